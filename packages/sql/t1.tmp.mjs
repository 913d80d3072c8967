import pkg from 'node-sql-parser/build/mysql.js';
const { Parser } = pkg;
const p = new Parser();
const show = (s, db='MySQL') => { try { console.log(s, '\n', JSON.stringify(p.astify(s, {database: db}), null, 0)); } catch (e) { console.log(s, 'ERR', e.message.slice(0,200)); } };
for (const s of process.argv.slice(2)) show(s);
