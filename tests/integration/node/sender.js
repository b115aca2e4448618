'use strict';
// Send events to an in_forward with the Node fluent-logger and print what
// happened as one JSON line: {"acked": N, "errors": [...]}.
//
//   node sender.js '{"port": 24224, "mode": "PackedForward", "count": 5}'
//
// Events alternate integer-second and EventTime timestamps; every emit asks
// for an ack (requireAckResponse), so "acked" counts the events the agent
// confirmed. Optional "security": {"clientHostname", "sharedKey"} turns on
// the shared-key handshake.
const { createFluentSender, EventTime } = require('fluent-logger');

const options = JSON.parse(process.argv[2]);
const sender = createFluentSender('node', {
  host: '127.0.0.1',
  port: options.port,
  eventMode: options.mode,
  requireAckResponse: true,
  ackResponseTimeout: 10000,
  flushInterval: 20,
  enableReconnect: false,
  security: options.security,
  internalLogger: { info() {}, error: (message) => console.error(message) },
});

const total = options.count;
let acked = 0;
const errors = [];

function done() {
  sender.end();
  console.log(JSON.stringify({ acked, errors }));
}

for (let i = 0; i < total; i++) {
  const time = i % 2 === 0 ? 1704164645 + i : new EventTime(1704164645 + i, 1000 + i);
  sender.emit(options.label || 'js', { i, mode: options.mode, text: 'h\u00e9llo' }, time, (err) => {
    if (err) {
      errors.push(String(err));
    } else {
      acked += 1;
    }
    if (acked + errors.length === total) {
      done();
    }
  });
}

setTimeout(() => {
  errors.push('timed out waiting for acks');
  console.log(JSON.stringify({ acked, errors }));
  process.exit(1);
}, 20000).unref();
