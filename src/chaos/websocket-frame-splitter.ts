/**
 * Cuts one direction of a proxied byte stream into units the proxy may delay and duplicate
 * without corrupting it. A WebSocket connection (RFC 6455) is an HTTP upgrade head followed by
 * frames; re-sending a whole, unfragmented, uncompressed data frame delivers the same message
 * twice, whereas re-sending arbitrary TCP bytes would break the framing. So:
 * - the HTTP head is one unit;
 * - each frame is one unit, duplicable only if it is a complete message (FIN set, opcode text or
 *   binary) without RSV bits (a permessage-deflate frame depends on the compressor's history,
 *   a fragment on its neighbours, and control frames carry connection state);
 * - the first data messages that make up the application's own handshake are never duplicable:
 *   what "duplicate" models is an application re-sending a message after the connection is set
 *   up (e.g. a retransmitted Raft batch), and TCP itself never delivers anything twice, so a
 *   re-delivered handshake step is not a fault any real network produces;
 * - anything that does not look like a WebSocket upgrade, or a frame larger than the limit
 *   (not worth buffering whole), switches the stream to raw: chunks pass as they come and
 *   nothing is duplicable from then on.
 */
export interface StreamUnit {
  readonly bytes: Buffer
  readonly duplicable: boolean
}

/** How many whole data messages each side sends for the application's handshake. */
export interface HandshakeMessages {
  /** Sent by the side that asked for the upgrade (the WebSocket client). */
  readonly fromDialer: number
  /** Sent by the side that answered it (the WebSocket server). */
  readonly fromAcceptor: number
}

export const NO_HANDSHAKE: HandshakeMessages = { fromDialer: 0, fromAcceptor: 0 }

const HEAD_END = Buffer.from('\r\n\r\n')
const MAX_HEAD_BYTES = 16 * 1024
const OPCODE_TEXT = 0x1
const OPCODE_BINARY = 0x2

export class WebSocketFrameSplitter {
  private phase: 'head' | 'frames' | 'raw' = 'head'
  private pending: Buffer = Buffer.alloc(0)
  /** Handshake messages still expected on this stream; known once the head tells the side. */
  private handshakeLeft = 0

  constructor(
    private readonly maxFrameBytes: number,
    private readonly handshake: HandshakeMessages = NO_HANDSHAKE,
  ) {}

  push(chunk: Buffer): StreamUnit[] {
    if (this.phase === 'raw') return [{ bytes: chunk, duplicable: false }]
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const units: StreamUnit[] = []
    if (this.phase === 'head') {
      const end = this.pending.indexOf(HEAD_END)
      if (end < 0) return this.pending.length > MAX_HEAD_BYTES ? this.switchToRaw() : units
      const head = this.pending.subarray(0, end + HEAD_END.length)
      const side = upgradeSide(head)
      if (side === null) return this.switchToRaw()
      this.handshakeLeft = side === 'dialer' ? this.handshake.fromDialer : this.handshake.fromAcceptor
      units.push({ bytes: head, duplicable: false })
      this.pending = this.pending.subarray(head.length)
      this.phase = 'frames'
    }
    for (;;) {
      const length = frameLength(this.pending)
      if (length === 'incomplete-header') break
      if (length > this.maxFrameBytes) return [...units, ...this.switchToRaw()]
      if (this.pending.length < length) break
      const frame = this.pending.subarray(0, length)
      this.pending = this.pending.subarray(length)
      const whole = isWholeDataMessage(frame)
      const inHandshake = whole && this.handshakeLeft > 0
      if (inHandshake) this.handshakeLeft--
      units.push({ bytes: frame, duplicable: whole && !inHandshake })
    }
    return units
  }

  private switchToRaw(): StreamUnit[] {
    this.phase = 'raw'
    const rest = this.pending
    this.pending = Buffer.alloc(0)
    return rest.length > 0 ? [{ bytes: rest, duplicable: false }] : []
  }
}

/** Which side of a WebSocket upgrade wrote `head`, or null if it is not one. */
function upgradeSide(head: Buffer): 'dialer' | 'acceptor' | null {
  const text = head.toString('latin1')
  if (text.startsWith('GET ') && /\r\nupgrade:\s*websocket/i.test(text)) return 'dialer'
  return text.startsWith('HTTP/1.1 101') ? 'acceptor' : null
}

/** Total bytes of the frame at the start of `bytes` (header, mask key and payload). */
function frameLength(bytes: Buffer): number | 'incomplete-header' {
  if (bytes.length < 2) return 'incomplete-header'
  const second = bytes[1] ?? 0
  const masked = (second & 0x80) !== 0
  const shortLength = second & 0x7f
  const extended = shortLength === 126 ? 2 : shortLength === 127 ? 8 : 0
  const header = 2 + extended + (masked ? 4 : 0)
  if (bytes.length < header) return 'incomplete-header'
  const payload =
    shortLength === 126
      ? bytes.readUInt16BE(2)
      : shortLength === 127
        ? bytes.readUInt32BE(2) * 0x1_0000_0000 + bytes.readUInt32BE(6)
        : shortLength
  return header + payload
}

function isWholeDataMessage(frame: Buffer): boolean {
  const first = frame[0] ?? 0
  const fin = (first & 0x80) !== 0
  const reserved = first & 0x70
  const opcode = first & 0x0f
  return fin && reserved === 0 && (opcode === OPCODE_TEXT || opcode === OPCODE_BINARY)
}
