// Sends events to a lumberjack v2 server with the npm package
// lumberjack-client, a client written independently of this project:
//
//   node lj_client.js HOST PORT COUNT [MORE] [--tls CA CERT KEY]
//
// The COUNT events are queued before the connection is up, so the package
// sends them as one window (compressed, numbered 1..COUNT); once that
// window is acknowledged, MORE events follow one by one, each its own
// window. The package does not read ACKs itself: this script watches the
// socket for them, prints "ack SEQ" for each, and exits 0 when every
// window is acknowledged (1 after 15 s).
'use strict'
const fs = require('fs')
const path = require('path')
const LumberjackClient = require(path.join(__dirname, '..', 'node_modules',
  'lumberjack-client'))

const args = process.argv.slice(2)
const [host, port, count, more] = args
const config = { host, port: Number(port) }
let useTls = false
const t = args.indexOf('--tls')
if (t >= 0) {
  useTls = true
  config.ca = [fs.readFileSync(args[t + 1])]
  if (args[t + 2]) config.cert = fs.readFileSync(args[t + 2])
  if (args[t + 3]) config.key = fs.readFileSync(args[t + 3])
}
const n = Number(count)
const m = t === 3 ? 0 : Number(more || 0)

const event = (i) => ({
  '@timestamp': new Date().toISOString(),
  message: 'node event ' + i,
  n: i,
  '@metadata': { _id: 'node-' + i },
})

const client = new LumberjackClient(config, useTls)
for (let i = 0; i < n; i++) client.log(event(i))

let buf = Buffer.alloc(0)
let first = false // the first window is acknowledged
let sent = 0 // single events sent after it
let acked = 0 // and acknowledged
const timer = setTimeout(() => {
  console.log('timeout')
  process.exit(1)
}, 15000)

const sendNext = () => {
  if (sent < m) client.log(event(n + sent++))
}

client.socket.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk])
  while (buf.length >= 6) {
    if (buf[1] !== 0x41) {
      console.log('not an ACK frame')
      process.exit(1)
    }
    const seq = buf.readUInt32BE(2)
    buf = buf.subarray(6)
    console.log('ack ' + seq)
    if (seq === 0) continue
    if (!first && seq === n) {
      first = true
      console.log('acked ' + n)
      sendNext()
    } else if (first && seq === 1) {
      acked++
      console.log('acked 1')
      sendNext()
    }
    if (first && acked === m) {
      clearTimeout(timer)
      process.exit(0)
    }
  }
})
