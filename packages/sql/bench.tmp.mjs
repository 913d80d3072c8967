import pkg from 'node-sql-parser/build/mysql.js';
const { Parser } = pkg;
const p = new Parser();
const qs = ["SELECT id, name, email FROM users WHERE id = 42", "SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = 7", "INSERT INTO orders (user_id, total) VALUES (3, 19.99)", "UPDATE users SET name = 'bob' WHERE id = 9", "DELETE FROM sessions WHERE id = 11", "BEGIN", "COMMIT"];
for (const q of qs) { try { for (let i=0;i<2000;i++) p.astify(q,{database:'MySQL'}); } catch(e){ console.log(q, e.message.slice(0,80)); continue;}
 const t=[]; for (let i=0;i<3000;i++){const s=process.hrtime.bigint(); p.astify(q,{database:'MySQL'}); t.push(Number(process.hrtime.bigint()-s)/1000);} t.sort((a,b)=>a-b); console.log(t[1500].toFixed(1), q); }
