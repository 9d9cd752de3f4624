// Preloaded into DbGate (`node --require`): its npm build calls `server.listen(port)`, which listens on every
// interface, and has no setting for the address. The admin tool is logged in as the database superuser, so it must
// be reachable from this machine only: every listen() that names no host or path gets 127.0.0.1.
'use strict';
const net = require('node:net');

const LOOPBACK = '127.0.0.1';
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function (...args) {
  const [first] = args;
  if (first !== null && typeof first === 'object') {
    // listen({ port, host }), listen({ path }), listen(handle): only a port without a host is changed.
    const isPortOptions = !('path' in first) && !('fd' in first) && !('_handle' in first) && !('handle' in first);
    if (isPortOptions && first.host === undefined) args[0] = { ...first, host: LOOPBACK };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    if (typeof args[1] !== 'string') args.splice(1, 0, LOOPBACK);
  } else if (first === undefined || typeof first === 'function') {
    // listen([callback]): a random port
    args.splice(0, 0, 0, LOOPBACK);
  }
  return listen.apply(this, args);
};
