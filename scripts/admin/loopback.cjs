// Preloaded into DbGate (`node --require`): its npm build calls `server.listen(port)`, which listens on every
// interface, and has no setting for the address. The admin tool is logged in as the database superuser, so it must
// be reachable from this machine only: every listen() that names no host or path gets 127.0.0.1.
// Loopback alone is not enough in a browser: DbGate has no login and answers any origin (CORS), so a web page the
// admin has open could send it SQL, directly or by DNS rebinding a name of its own to 127.0.0.1. So every HTTP
// request and WebSocket upgrade must be addressed to 127.0.0.1 or localhost at the tool's port (Host) and, when a
// browser says where it comes from (Origin), come from the tool's own page; anything else is refused with 403.
'use strict';
const http = require('node:http');
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

/** Host and Origin as the tool's own page on this machine sends them. */
function fromOwnPage(req, server) {
  const port = server.address()?.port;
  const own = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  if (!own.has(req.headers.host)) return false;
  const origin = req.headers.origin;
  return origin === undefined || (origin.startsWith('http://') && own.has(origin.slice('http://'.length)));
}

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, resOrSocket, ...rest) {
  if ((event === 'request' || event === 'upgrade') && !fromOwnPage(req, this)) {
    if (event === 'request') {
      resOrSocket.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      resOrSocket.end('The admin tool answers only its own page at 127.0.0.1 or localhost.\n');
    } else {
      resOrSocket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
    }
    return true;
  }
  return emit.call(this, event, req, resOrSocket, ...rest);
};
