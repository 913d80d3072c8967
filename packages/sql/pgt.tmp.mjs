import { loadModule, parseSync } from 'libpg-query';
await loadModule();
const show = (s) => { try { console.log(s, '\n  ', JSON.stringify(parseSync(s).stmts.map(x=>x.stmt))); } catch (e) { console.log('ERR', s, e.message, JSON.stringify(e.sqlDetails)); } };
for (const s of process.argv.slice(2)) show(s);
