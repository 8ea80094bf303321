import nodemailer from 'nodemailer';
import { spawn } from 'node:child_process';
const port = 40000 + Math.floor(Math.random()*1000);
const child = spawn(process.execPath, ['dist/test/bench/smtp-sink.js', String(port)], { stdio: ['pipe','pipe','inherit'] });
await new Promise(r => child.stdout.once('data', r));
const html = '<html><body>' + 'x'.repeat(6000) + '</body></html>';
const msgs = Array.from({length: 1000}, (_, i) => ({ from: 'a@b.test', to: [`c${i}@d.test`], subject: 'Hola ' + i, text: 'y'.repeat(2000), html, messageId: `<m${i}@b.test>`, headers: {'X-A': '1'} }));
for (const mode of ['all', 'w5', 'w50', 'all']) {
  const t = nodemailer.createTransport({ pool: true, maxConnections: 5, host: '127.0.0.1', port, secure: false });
  const t0 = performance.now();
  if (mode === 'all') await Promise.all(msgs.map(m => t.sendMail(m)));
  else { const w = Number(mode.slice(1)); const q=[...msgs]; await Promise.all(Array.from({length:w}, async () => { for (let m=q.shift(); m; m=q.shift()) await t.sendMail(m); })); }
  console.log(mode, (1000 / ((performance.now()-t0)/1000)).toFixed(0), 'msg/s');
  t.close();
}
child.stdin.end();
