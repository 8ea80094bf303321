import { SMTPServer } from 'smtp-server';

// A lean SMTP peer for the outbox benchmark, run as its own process (node dist/test/bench/smtp-sink.js <port>):
// the `smtp-server` package like test/support/smtp.ts, but it only counts what it receives. The test peer parses
// every mail with mailparser in the test's own process, which would compete for the CPU with the sender being
// measured and cap both sides at the parser's speed. A line on stdin asks for the counts (one JSON line back).

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) throw new Error('usage: smtp-sink.js <port>');
let mails = 0;
let bytes = 0;

const server = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  size: 64 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    stream.on('end', () => {
      mails++;
      callback();
    });
  },
});
server.on('error', (error) => process.stderr.write(`smtp-sink: ${String(error)}\n`));
server.listen(port, '127.0.0.1', () => process.stdout.write(JSON.stringify({ listening: port }) + '\n'));
process.stdin.on('data', () => process.stdout.write(JSON.stringify({ mails, bytes }) + '\n'));
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
