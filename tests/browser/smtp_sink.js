// smtp_sink.js PORTFILE LOG - an SMTP server on 127.0.0.1 that accepts
// every mail and keeps none: the browser test's data needs reminders and
// escalations that were really sent.  Writes the port it listens on to
// PORTFILE, and "RCPT subject" lines to LOG, one per recipient of each mail.
'use strict';
const net = require('net');
const fs = require('fs');
const [portFile, logFile] = process.argv.slice(2);

const server = net.createServer((sock) => {
	let buf = '', inData = false, rcpts = [], data = '';
	sock.write('220 sink ESMTP\r\n');
	sock.on('data', (chunk) => {
		buf += chunk.toString('latin1');
		let nl;
		while ((nl = buf.indexOf('\r\n')) >= 0) {
			const line = buf.slice(0, nl);
			buf = buf.slice(nl + 2);
			if (inData) {
				if (line !== '.') { data += line + '\n'; continue; }
				inData = false;
				const subject = (data.match(/^Subject: (.*)$/m) || [, ''])[1];
				for (const r of rcpts) fs.appendFileSync(logFile, r + ' ' + subject + '\n');
				rcpts = [];
				data = '';
				sock.write('250 2.0.0 kept nowhere\r\n');
				continue;
			}
			const verb = line.slice(0, 4).toUpperCase();
			if (verb === 'EHLO') sock.write('250-sink\r\n250 8BITMIME\r\n');
			else if (verb === 'HELO') sock.write('250 sink\r\n');
			else if (verb === 'RCPT') { rcpts.push((line.match(/<([^>]*)>/) || [, ''])[1]); sock.write('250 2.1.5 ok\r\n'); }
			else if (verb === 'DATA') { inData = true; sock.write('354 go on\r\n'); }
			else if (verb === 'QUIT') { sock.end('221 2.0.0 bye\r\n'); }
			else sock.write('250 2.0.0 ok\r\n'); /* MAIL, RSET, NOOP */
		}
	});
	sock.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
