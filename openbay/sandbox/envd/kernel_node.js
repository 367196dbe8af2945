// The JavaScript kernel: runs cells in one global context, like a notebook.
// Started by envd (code.py) with two pipe fds in OPENBAY_KERNEL_FDS: one line of
// JSON per request in, one per reply out. console output goes to fds 1 and 2,
// which are written synchronously for pipes, so it is all there before the reply.
'use strict';
const fs = require('fs');
const readline = require('readline');
const util = require('util');
const vm = require('vm');

const [requestFd, replyFd] = process.env.OPENBAY_KERNEL_FDS.split(',').map(Number);
delete process.env.OPENBAY_KERNEL_FDS;
globalThis.require = require;

function send(obj) {
  fs.writeSync(replyFd, JSON.stringify(obj) + '\n');
}

function describe(e) {
  const err = e instanceof Error ? e : new Error(String(e));
  const lines = String(err.stack || err).split('\n');
  const ours = lines.findIndex((l) => l.includes('runInThisContext') || l.includes(__filename));
  const traceback = (ours > 0 ? lines.slice(0, ours) : lines).join('\n');  // the user's frames only
  return { name: err.name || 'Error', value: err.message, traceback };
}

function reply(id, value, error) {
  const text = value === undefined ? '' : util.inspect(value, { maxStringLength: 1 << 20 });
  const results = value === undefined ? [] : [{ text, is_main_result: true }];
  const timedOut = Boolean(error && error.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT');
  send({ id, results, error: error ? describe(error) : null, timed_out: timedOut });
}

// an interrupt that comes between cells must not take the kernel down either
process.on('SIGINT', () => {});
// an error thrown later by a timer of an earlier cell must not take the kernel down
process.on('uncaughtException', (e) => process.stderr.write(`${describe(e).traceback}\n`));
process.on('unhandledRejection', (e) => process.stderr.write(`${describe(e).traceback}\n`));

let number = 0;
const lines = readline.createInterface({ input: fs.createReadStream(null, { fd: requestFd }) });
lines.on('line', (line) => {
  const request = JSON.parse(line);
  number += 1;
  let value;
  try {
    const script = new vm.Script(request.code, { filename: `<cell-${number}>` });
    value = script.runInThisContext({ timeout: request.timeout_ms, breakOnSigint: true });
  } catch (e) {
    reply(request.id, undefined, e);
    return;
  }
  if (value && typeof value.then === 'function') { // a promise: its outcome is the result
    let settled = false;
    const finish = (v, e) => {
      if (!settled) { settled = true; clearTimeout(timer); reply(request.id, v, e); }
    };
    const timer = setTimeout(() => finish(undefined, new Error('promise did not settle in time')),
                             request.timeout_ms);
    value.then((v) => finish(v, null), (e) => finish(undefined, e));
    return;
  }
  reply(request.id, value, null);
});
lines.on('close', () => process.exit(0));
send({ ready: true });
