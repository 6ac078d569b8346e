/**
 * Real crash test: a child process writes through the stores and acknowledges each write; it is
 * killed with SIGKILL mid-stream, several times over the same directory. After every kill the
 * stores must hold every acknowledged write, and the state machine must match its applied index
 * exactly (nothing applied twice or half).
 */
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { RaftLogStore } from '../../storage/raft-log-store.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'

const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url))
/** `--import tsx` resolves from the working directory: run the child at the repository root. */
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url))
const conf = { voters: ['writer'], learners: [] }

/**
 * Starts the writer and kills it `delayMs` after its `killAfter`-th acknowledgement, while it keeps
 * writing; returns the last acknowledgement seen before the kill.
 */
function runUntilKilled(t: Test, directory: string, killAfter: number, delayMs: number): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', writer, directory], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return new Promise((resolve, reject) => {
    let acks = 0
    let lastAck = 0
    let buffered = ''
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const match = /^ack (\d+)$/.exec(line)
        if (match === null) continue
        lastAck = Number(match[1])
        if (++acks === killAfter) setTimeout(() => child.kill('SIGKILL'), delayMs)
      }
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && acks >= killAfter) resolve(lastAck)
      else reject(new Error(`writer exited early (code ${code}, signal ${signal}): ${stderr}`))
    })
  })
}

t.test('every acknowledged write survives kill -9, and effects match the applied index', { timeout: 120_000 }, async (t) => {
  const directory = t.testdir()
  let previousAck = 0
  for (const [killAfter, delayMs] of [[150, 0], [97, 3], [233, 11], [40, 1]] as const) {
    const lastAck = await runUntilKilled(t, directory, killAfter, delayMs)
    t.ok(lastAck > previousAck, `run acknowledged up to ${lastAck}`)
    previousAck = lastAck

    const db = await ReplicaDb.open(directory, { clusterId: 'crash-test', replicaId: 'writer' })
    try {
      const machine = await StateMachineStore.open(db)
      const restored = await (await RaftLogStore.open(db)).load({ applied: machine.appliedIndex(), conf })
      const applied = machine.appliedIndex()
      const snapshotIndex = restored.snapshot?.meta.index ?? 0
      const lastLogged = restored.entries.at(-1)?.index ?? snapshotIndex
      t.ok(lastLogged >= lastAck, `log holds every acknowledged entry (last ${lastLogged} >= ack ${lastAck})`)
      t.ok(applied >= lastAck, `applied ${applied} covers the last ack ${lastAck}`)
      t.ok(applied <= lastLogged, 'nothing applied that is not in the log')
      t.equal(Buffer.from((await machine.get('counter')) ?? []).toString(), String(applied), 'counter matches applied index')
      const keys = await machine.range({ prefix: 'key/' })
      const indexes = keys.map(([key]) => Number(key.slice('key/'.length))).sort((a, b) => a - b)
      t.equal(indexes.length, applied, 'one key per applied command, none beyond')
      t.equal(indexes[indexes.length - 1], applied)
      t.ok(
        keys.every(([key, value]) => Buffer.from(value).toString() === `value-${key.slice('key/'.length)}`),
        'every value intact',
      )
      t.equal(restored.hardState.commit, lastLogged, 'hard state written in the same batch as the entries')
    } finally {
      await db.close()
    }
  }
})
