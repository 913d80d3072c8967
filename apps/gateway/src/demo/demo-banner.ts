import { relative } from 'node:path';
import { formatListenAddress } from '../config/listen-address.js';
import type { RunningDemo } from './start-demo.js';
import { DEMO_CONNECTION } from './start-demo.js';
import { DEMO_POLICY_FILE } from './demo-files.js';

/** Paths under the working directory are shown relative, so commands can be pasted as they are. */
function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}

/**
 * A one-argument-per-query Node client (the `pg` driver), defined as a shell function so each
 * example stays one short line. Errors print as SQLSTATE and message, as an application sees them.
 */
function nodeFunction(host: string, port: number, database: string): string {
  const js =
    `const {Client}=require("pg");` +
    `const c=new Client({host:"${host}",port:${port},database:"${database}",user:process.argv[1],password:process.argv[2],ssl:{rejectUnauthorized:false}});` +
    `c.connect().then(()=>c.query(process.argv[3])).then(r=>console.table(r.rows),e=>console.error("ERROR",e.code,e.message)).finally(()=>c.end())`;
  return `gh_pg() { node -e '${js}' "$@"; }`;
}

interface Example {
  readonly title: string;
  readonly user: string;
  readonly sql: string;
}

const EXAMPLES: readonly Example[] = [
  { title: 'masked read: emails partly hidden, SSNs and card numbers redacted', user: 'ana', sql: 'SELECT name, email, ssn, card_number FROM users ORDER BY id LIMIT 3' },
  { title: 'masking by content: card numbers, emails and SSNs inside free text', user: 'ana', sql: 'SELECT id, note FROM orders ORDER BY id' },
  { title: 'blocked DROP: refused with SQLSTATE 42501, naming the rule', user: 'dora', sql: 'DROP TABLE users' },
  { title: 'unbounded DELETE: needs an approver (42501 "approval required")', user: 'dora', sql: 'DELETE FROM sessions' },
  { title: 'the AI agent (region eu): only eu customers, emails hashed, phones redacted; writes refused', user: 'support-bot', sql: 'SELECT name, email, phone, region FROM users ORDER BY id LIMIT 3' },
];

/** What `gatehouse demo` prints once the gateway is up: identities, tokens, and commands to paste. */
export function demoBanner(demo: RunningDemo, cwd = process.cwd()): string {
  const address = formatListenAddress({ host: demo.host, port: demo.port });
  const variable = (user: string): string => demo.identity(user).tokenVariable;
  const dsn = (user: string): string => `host=${demo.host} port=${demo.port} dbname=${demo.database} user=${user} sslmode=require`;
  const width = Math.max(...demo.identities.map((identity) => identity.user.length));
  const lines = [
    'Gatehouse live demo',
    `  gateway   ${address}  PostgreSQL protocol, connection "${DEMO_CONNECTION}", environment prod, TLS (self-signed dev certificate)` +
      (demo.portChanged ? '\n            (port 6432 was busy, so a free port was picked)' : ''),
    '  database  embedded PostgreSQL (PGlite, in memory), fake PII in users, orders, sessions',
    `  policy    ${shown(DEMO_POLICY_FILE, cwd)}`,
    `  state     ${shown(demo.stateDir, cwd)}  (signing key, masking key, <user>.token files)`,
    '',
    'Identities: user name + a gateway-issued token (8h) in the password slot',
    ...demo.identities.map((identity) => `  ${identity.user.padEnd(width)}  ${identity.role}`),
    '',
    ...demo.identities.map((identity) => `export ${identity.tokenVariable}='${identity.token}'`),
    '',
    'psql (sslmode=require: the token only ever travels inside TLS):',
    ...EXAMPLES.flatMap((example) => [`  # ${example.title}`, `  PGPASSWORD="$${variable(example.user)}" psql "${dsn(example.user)}" -c "${example.sql}"`]),
    '',
    'Node (the pg driver; run from the repository root):',
    `  ${nodeFunction(demo.host, demo.port, demo.database)}`,
    ...EXAMPLES.map((example) => `  gh_pg ${example.user} "$${variable(example.user)}" "${example.sql}"`),
    '',
    'Explain any decision offline: npx gatehouse policy explain --help',
    'Ctrl-C stops the demo.',
  ];
  return lines.join('\n');
}
