import type { TokenView } from './token-view.js';

/**
 * T-SQL statement structure found from the tokens alone. T-SQL needs no `;` between statements
 * (`SELECT 1 SELECT 2` is two, `SELECT * FROM t DROP TABLE t` is two), and IF/WHILE/BEGIN…END/TRY
 * wrap other statements, so splitting is a small recursive scan rather than a cut at semicolons.
 * Positions are indexes into the comment-free view (`TokenView.sig`); `to` is exclusive.
 */
export type StatementNode =
  | { readonly kind: 'simple'; readonly from: number; readonly to: number }
  /** CREATE/ALTER PROCEDURE|FUNCTION|TRIGGER|VIEW: the body runs to the end of the batch. */
  | { readonly kind: 'module'; readonly from: number; readonly to: number }
  /** IF/WHILE: `condition` is the boolean expression, `body` the statement(s) it guards (then, else). */
  | {
      readonly kind: 'if' | 'while';
      readonly from: number;
      readonly to: number;
      readonly condition: { readonly from: number; readonly to: number };
      readonly body: readonly StatementNode[];
    }
  /** BEGIN … END, BEGIN TRY … END TRY BEGIN CATCH … END CATCH. */
  | { readonly kind: 'block' | 'try'; readonly from: number; readonly to: number; readonly body: readonly StatementNode[] }
  /** Structure the scan could not follow (stray END/ELSE, unclosed BEGIN, IF without a body). */
  | { readonly kind: 'broken'; readonly from: number; readonly to: number };

/**
 * Words that can begin a statement. Non-reserved ones that are also common names (ENABLE,
 * DISABLE, SEND, RECEIVE…) are left out: merged into the previous statement they fail closed.
 */
export const STATEMENT_STARTERS: ReadonlySet<string> = new Set(
  `SELECT INSERT UPDATE DELETE MERGE EXEC EXECUTE CREATE ALTER DROP TRUNCATE GRANT REVOKE DENY BEGIN
  COMMIT ROLLBACK SAVE SET DECLARE USE IF WHILE PRINT RETURN BREAK CONTINUE GOTO RAISERROR WAITFOR DBCC
  KILL SHUTDOWN BACKUP RESTORE BULK RECONFIGURE OPEN CLOSE FETCH DEALLOCATE REVERT SETUSER CHECKPOINT
  READTEXT WRITETEXT UPDATETEXT GO THROW`.split(/\s+/),
);

/** Words after ALTER/CREATE/DROP that name a new statement's object rather than a clause of ALTER TABLE. */
const OBJECT_TYPES: ReadonlySet<string> = new Set(
  `TABLE VIEW PROC PROCEDURE FUNCTION TRIGGER DATABASE LOGIN USER ROLE SCHEMA INDEX SEQUENCE SYNONYM
  TYPE SERVER ASSEMBLY CERTIFICATE CREDENTIAL MASTER SYMMETRIC ASYMMETRIC APPLICATION AVAILABILITY
  ENDPOINT EVENT FULLTEXT PARTITION QUEUE SERVICE ROUTE CONTRACT MESSAGE XML STATISTICS AUTHORIZATION
  RULE DEFAULT UNIQUE CLUSTERED NONCLUSTERED COLUMNSTORE SPATIAL PRIMARY EXTERNAL RESOURCE WORKLOAD
  BROKER SECURITY SEARCH`.split(/\s+/),
);

const MODULE_TYPES: ReadonlySet<string> = new Set(['PROC', 'PROCEDURE', 'FUNCTION', 'TRIGGER', 'VIEW']);
const SET_OPERATORS: ReadonlySet<string> = new Set(['UNION', 'ALL', 'EXCEPT', 'INTERSECT']);
const DML: ReadonlySet<string> = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE']);
const GRANTS: ReadonlySet<string> = new Set(['GRANT', 'REVOKE', 'DENY']);
const NON_BLOCK_BEGIN: ReadonlySet<string> = new Set(['TRAN', 'TRANSACTION', 'DISTRIBUTED', 'DIALOG', 'CONVERSATION']);

/** Splits the significant positions [from, to) into top-level statements. */
export function scanStatements(view: TokenView, from: number, to: number): StatementNode[] {
  const scanner = new Scanner(view, to);
  scanner.pos = from;
  return scanner.list(false);
}

/** Deeper IF/BEGIN nesting than this is not followed (split() must never overflow the stack). */
const MAX_NESTING = 64;

class Scanner {
  pos = 0;
  private nesting = 0;

  constructor(
    private readonly view: TokenView,
    private readonly to: number,
  ) {}

  /** Statements until the end, or (inside BEGIN…END) until an END at statement level. */
  list(stopAtEnd: boolean): StatementNode[] {
    const nodes: StatementNode[] = [];
    for (;;) {
      this.skipSemicolons();
      if (this.pos >= this.to) break;
      if (stopAtEnd && this.view.word(this.pos) === 'END') break;
      nodes.push(this.one());
    }
    return nodes;
  }

  private skipSemicolons(): void {
    while (this.pos < this.to && this.view.punct(this.pos) === ';') this.pos++;
  }

  private one(): StatementNode {
    if (this.nesting >= MAX_NESTING) return this.broken(this.pos);
    this.nesting++;
    try {
      return this.oneAtDepth();
    } finally {
      this.nesting--;
    }
  }

  private oneAtDepth(): StatementNode {
    const view = this.view;
    const from = this.pos;
    const head = view.word(from);
    switch (head) {
      case 'IF':
      case 'WHILE':
        return this.conditional(head === 'IF' ? 'if' : 'while');
      case 'BEGIN': {
        const next = view.word(from + 1);
        if (NON_BLOCK_BEGIN.has(next)) return this.simple();
        return next === 'TRY' ? this.tryBlock() : this.block();
      }
      case 'CREATE':
      case 'ALTER': {
        let at = from + 1;
        if (view.word(at) === 'OR' && view.word(at + 1) === 'ALTER') at += 2;
        if (MODULE_TYPES.has(view.word(at))) {
          this.pos = this.to;
          return { kind: 'module', from, to: this.to };
        }
        return this.simple();
      }
      case 'END':
      case 'ELSE':
        this.pos++;
        return { kind: 'broken', from, to: this.pos };
      default:
        return this.simple();
    }
  }

  private conditional(kind: 'if' | 'while'): StatementNode {
    const view = this.view;
    const from = this.pos;
    this.pos++;
    const conditionFrom = this.pos;
    let depth = 0;
    let caseDepth = 0;
    for (; this.pos < this.to; this.pos++) {
      const p = view.punct(this.pos);
      if (p === '(') depth++;
      else if (p === ')') depth = Math.max(0, depth - 1);
      else if (depth === 0) {
        if (p === ';') return this.broken(from);
        const w = view.word(this.pos);
        if (w === 'CASE') caseDepth++;
        else if (w === 'END' && caseDepth > 0) caseDepth--;
        else if (caseDepth === 0 && (STATEMENT_STARTERS.has(w) || w === 'END' || w === 'ELSE')) break;
      }
    }
    const condition = { from: conditionFrom, to: this.pos };
    if (this.pos >= this.to || condition.to === condition.from) return this.broken(from);
    const w = view.word(this.pos);
    if (w === 'END' || w === 'ELSE') return this.broken(from);
    const body: StatementNode[] = [this.one()];
    if (kind === 'if') {
      const save = this.pos;
      this.skipSemicolons();
      if (view.word(this.pos) === 'ELSE') {
        this.pos++;
        this.skipSemicolons();
        if (this.pos >= this.to) return this.broken(from);
        body.push(this.one());
      } else {
        this.pos = save;
      }
    }
    return { kind, from, to: this.pos, condition, body };
  }

  private block(): StatementNode {
    const from = this.pos;
    this.pos++;
    const body = this.list(true);
    if (this.view.word(this.pos) !== 'END' || this.endsTryOrCatch(this.pos + 1)) return this.broken(from);
    this.pos++;
    return { kind: 'block', from, to: this.pos, body };
  }

  private tryBlock(): StatementNode {
    const view = this.view;
    const from = this.pos;
    this.pos += 2;
    const body = this.list(true);
    if (view.word(this.pos) !== 'END' || view.word(this.pos + 1) !== 'TRY') return this.broken(from);
    this.pos += 2;
    this.skipSemicolons();
    if (view.word(this.pos) !== 'BEGIN' || view.word(this.pos + 1) !== 'CATCH') return this.broken(from);
    this.pos += 2;
    body.push(...this.list(true));
    if (view.word(this.pos) !== 'END' || view.word(this.pos + 1) !== 'CATCH') return this.broken(from);
    this.pos += 2;
    return { kind: 'try', from, to: this.pos, body };
  }

  private endsTryOrCatch(at: number): boolean {
    const w = this.view.word(at);
    return w === 'TRY' || w === 'CATCH';
  }

  /** Everything from `from` to the end is one statement the scanner could not follow. */
  private broken(from: number): StatementNode {
    this.pos = this.to;
    return { kind: 'broken', from, to: this.to };
  }

  /** One statement that holds no other statements: runs until `;`, END/ELSE, or a new statement. */
  private simple(): StatementNode {
    const view = this.view;
    const from = this.pos;
    const state = new SimpleState(view.word(from));
    let depth = 0;
    let caseDepth = 0;
    for (this.pos = from + 1; this.pos < this.to; this.pos++) {
      const p = view.punct(this.pos);
      if (p === '(') {
        depth++;
        continue;
      }
      if (p === ')') {
        // An unbalanced `)` must not hide the rest of the text from statement detection.
        depth = Math.max(0, depth - 1);
        continue;
      }
      if (depth !== 0) continue;
      if (p === ';') break;
      const w = view.word(this.pos);
      if (w === '') continue;
      if (w === 'CASE') caseDepth++;
      else if (w === 'END') {
        if (caseDepth === 0) break;
        caseDepth--;
      } else if (w === 'ELSE') {
        if (caseDepth === 0) break;
      } else if (caseDepth === 0 && STATEMENT_STARTERS.has(w) && startsStatement(view, this.pos, w, state)) {
        break;
      }
      state.see(w, view.punct(this.pos - 1));
    }
    return { kind: 'simple', from, to: this.pos };
  }
}

/** What a simple statement has shown so far, enough to tell a clause from the next statement. */
class SimpleState {
  /** Insert's source (VALUES, SELECT, EXEC, DEFAULT VALUES) already seen. */
  insertSource = false;
  /** UPDATE's SET already seen. */
  updateSet = false;
  /** In GRANT/REVOKE/DENY's permission list (before ON/TO/FROM). */
  grantList: boolean;
  /** WITH's main statement already found. */
  cteMain = false;

  constructor(public head: string) {
    this.grantList = GRANTS.has(head);
  }

  see(word: string, previousPunct: string): void {
    if (this.head === 'WITH' && !this.cteMain && DML.has(word) && previousPunct === ')') {
      this.head = word;
      this.cteMain = true;
      if (word === 'SELECT') return;
    }
    if (this.head === 'INSERT' && (word === 'VALUES' || word === 'SELECT' || word === 'EXEC' || word === 'EXECUTE' || word === 'DEFAULT')) {
      this.insertSource = true;
    } else if (this.head === 'UPDATE' && word === 'SET') {
      this.updateSet = true;
    } else if (this.grantList && (word === 'ON' || word === 'TO' || word === 'FROM')) {
      this.grantList = false;
    }
  }
}

/**
 * Whether a statement-starting keyword at depth 0 begins a new statement or continues this one.
 * Where unsure it continues: the merged text then fails the parser or the keyword cross-check and
 * the statement becomes unknown, never a read.
 */
function startsStatement(view: TokenView, at: number, word: string, state: SimpleState): boolean {
  const previousPunct = view.punct(at - 1);
  const previousWord = view.word(at - 1);
  // After `,` `(` `.` `=` and other operators the keyword is a name or part of an expression.
  if (previousPunct !== '' && previousPunct !== ')' && previousPunct !== '*') return false;
  // WITH EXECUTE AS, WITH GRANT OPTION, WITH ROLLBACK IMMEDIATE.
  if (previousWord === 'WITH') return false;
  // GRANT SELECT, INSERT, EXECUTE, CREATE TABLE … ON: permission names, not statements.
  if (state.grantList) return false;
  const cteMain = state.head === 'WITH' && !state.cteMain && previousPunct === ')';
  switch (word) {
    case 'SELECT':
      if (SET_OPERATORS.has(previousWord) || previousWord === 'AS' || previousWord === 'FOR') return false;
      if (state.head === 'INSERT' && !state.insertSource) return false;
      return !cteMain;
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE':
      return !cteMain && !dmlClause(state.head, previousWord);
    case 'EXEC':
    case 'EXECUTE':
      return !(state.head === 'INSERT' && !state.insertSource);
    case 'CREATE':
    case 'ALTER':
    case 'DROP':
      return state.head !== 'ALTER' || OBJECT_TYPES.has(view.word(at + 1));
    case 'SET':
      if (state.head === 'UPDATE' && !state.updateSet) return false;
      // ALTER DATABASE … SET, MERGE … THEN UPDATE SET, ON DELETE SET NULL.
      return state.head !== 'ALTER' && previousWord !== 'UPDATE' && previousWord !== 'DELETE';
    case 'IF':
      return !(state.head === 'DROP' && view.word(at + 1) === 'EXISTS');
    case 'FETCH':
      return previousWord !== 'ROWS' && previousWord !== 'ROW';
    case 'THROW': {
      // THROW is not reserved: a statement only when its arguments (or nothing) follow.
      const next = view.sig[at + 1] === undefined ? undefined : view.token(at + 1);
      return next === undefined || next.kind === 'number' || next.kind === 'variable' || view.punct(at + 1) === ';';
    }
    case 'REVERT':
      // EXECUTE AS … WITH NO REVERT
      return previousWord !== 'NO';
    default:
      return true;
  }
}

/**
 * A DML keyword that is part of the current statement's clause, only where that clause exists:
 * MERGE … THEN UPDATE/DELETE/INSERT, ALTER TABLE … ON DELETE/UPDATE CASCADE, DECLARE CURSOR …
 * FOR UPDATE, BULK INSERT. (`SET NOCOUNT ON DELETE FROM t` is two statements.)
 */
function dmlClause(head: string, previousWord: string): boolean {
  switch (previousWord) {
    case 'THEN':
      return head === 'MERGE';
    case 'ON':
      return head === 'ALTER' || head === 'CREATE';
    case 'FOR':
      return head === 'DECLARE';
    case 'BULK':
      return head === 'BULK';
    default:
      return false;
  }
}
