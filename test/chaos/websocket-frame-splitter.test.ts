import t from 'tap'
import fc from 'fast-check'
import { WebSocketFrameSplitter, type StreamUnit } from '../../src/chaos/websocket-frame-splitter.js'

// A fixed seed keeps the suite deterministic; change it locally to explore other cases.
fc.configureGlobal({ seed: 20261121 })

const upgradeRequest = Buffer.from('GET /peer HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
const upgradeResponse = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n')

/** An RFC 6455 frame; masked frames get a fixed mask key (the splitter never unmasks). */
function frame(opcode: number, payload: Buffer, flags: { fin?: boolean; mask?: boolean; rsv1?: boolean } = {}): Buffer {
  const first = ((flags.fin ?? true) ? 0x80 : 0) | (flags.rsv1 === true ? 0x40 : 0) | opcode
  const maskBit = flags.mask === true ? 0x80 : 0
  let lengthBytes: Buffer
  if (payload.length < 126) lengthBytes = Buffer.from([maskBit | payload.length])
  else if (payload.length < 0x10000) {
    lengthBytes = Buffer.alloc(3)
    lengthBytes[0] = maskBit | 126
    lengthBytes.writeUInt16BE(payload.length, 1)
  } else {
    lengthBytes = Buffer.alloc(9)
    lengthBytes[0] = maskBit | 127
    lengthBytes.writeUInt32BE(0, 1)
    lengthBytes.writeUInt32BE(payload.length, 5)
  }
  const maskKey = flags.mask === true ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0)
  return Buffer.concat([Buffer.from([first]), lengthBytes, maskKey, payload])
}

const frames = [
  { bytes: frame(0x2, Buffer.from('binary message'), { mask: true }), duplicable: true },
  { bytes: frame(0x1, Buffer.from('text start'), { fin: false }), duplicable: false },
  { bytes: frame(0x0, Buffer.from(' and end')), duplicable: false },
  { bytes: frame(0x9, Buffer.from('ping')), duplicable: false },
  { bytes: frame(0x2, Buffer.from('compressed'), { rsv1: true }), duplicable: false },
  { bytes: frame(0x2, Buffer.alloc(300, 7)), duplicable: true },
  { bytes: frame(0x2, Buffer.alloc(70_000, 9), { mask: true }), duplicable: true },
  { bytes: frame(0x1, Buffer.alloc(0)), duplicable: true },
]

function feed(splitter: WebSocketFrameSplitter, stream: Buffer, cuts: number[]): StreamUnit[] {
  const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b)
  const units: StreamUnit[] = []
  let start = 0
  for (const point of [...points, stream.length]) {
    if (point > start) units.push(...splitter.push(stream.subarray(start, point)))
    start = Math.max(start, point)
  }
  return units
}

t.test('property: however the stream is chunked, units are the head and whole frames', async (t) => {
  for (const head of [upgradeRequest, upgradeResponse]) {
    const stream = Buffer.concat([head, ...frames.map((f) => f.bytes)])
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
        const units = feed(new WebSocketFrameSplitter(1024 * 1024), stream, cuts)
        const expected = [{ bytes: head, duplicable: false }, ...frames]
        return (
          units.length === expected.length &&
          units.every((unit, i) => unit.bytes.equals(expected[i]?.bytes ?? Buffer.alloc(0)) && unit.duplicable === expected[i]?.duplicable)
        )
      }),
    )
  }
  t.pass()
})

t.test('a stream that is not a WebSocket upgrade passes raw and never duplicable', async (t) => {
  const splitter = new WebSocketFrameSplitter(1024)
  const units = [...splitter.push(Buffer.from('HTTP/1.1 401 Unauthorized\r\n\r\nnope')), ...splitter.push(frames[0]?.bytes ?? Buffer.alloc(0))]
  t.ok(units.every((unit) => !unit.duplicable))
  t.same(Buffer.concat(units.map((unit) => unit.bytes)).toString('latin1').slice(0, 30), 'HTTP/1.1 401 Unauthorized\r\n\r\nn')
})

t.test('a frame above the size limit turns the stream raw without losing a byte', async (t) => {
  const splitter = new WebSocketFrameSplitter(1000)
  const big = frame(0x2, Buffer.alloc(5000, 1))
  const small = frame(0x2, Buffer.from('after'))
  const units = [...splitter.push(upgradeResponse), ...splitter.push(big.subarray(0, 100)), ...splitter.push(Buffer.concat([big.subarray(100), small]))]
  t.same(Buffer.concat(units.map((unit) => unit.bytes)), Buffer.concat([upgradeResponse, big, small]))
  t.same(units.map((unit) => unit.duplicable), units.map(() => false))
})

t.test("the application's handshake messages are never duplicable, only what follows them", async (t) => {
  const handshake = { fromDialer: 1, fromAcceptor: 2 }
  const message = (text: string, mask: boolean) => frame(0x2, Buffer.from(text), { mask })
  const ping = frame(0x9, Buffer.from('ping'), { mask: true })
  const dialer = new WebSocketFrameSplitter(1024, handshake)
  const fromDialer = dialer.push(Buffer.concat([upgradeRequest, ping, message('hello', true), message('batch 1', true), message('batch 2', true)]))
  t.same(fromDialer.map((unit) => unit.duplicable), [false, false, false, true, true], 'head, ping and hello are not; batches are')
  const acceptor = new WebSocketFrameSplitter(1024, handshake)
  const fromAcceptor = acceptor.push(Buffer.concat([upgradeResponse, message('challenge', false), message('welcome', false), message('later', false)]))
  t.same(fromAcceptor.map((unit) => unit.duplicable), [false, false, false, true])
})
