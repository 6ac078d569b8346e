// Preload for benchmark server processes (`node --require`): appends every garbage-collection
// pause to $DMS_GC_LOG_DIR/gc-<pid>.log as "<startMs> <kind> <durationMs>" on the wall clock, the
// format src/bench/pause-overlap.ts parses. Lines are buffered and written twice a second and at
// exit, so recording costs the process no write per pause.
'use strict'
const { PerformanceObserver, performance, constants } = require('node:perf_hooks')
const { appendFileSync } = require('node:fs')
const { join } = require('node:path')

const directory = process.env.DMS_GC_LOG_DIR
if (directory === undefined || directory === '') throw new Error('gc-pause-log.cjs needs DMS_GC_LOG_DIR')
const file = join(directory, `gc-${process.pid}.log`)
const kinds = new Map([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'scavenge'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'mark-compact'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weak-callbacks'],
])
let lines = []
const flush = () => {
  if (lines.length === 0) return
  appendFileSync(file, lines.join(''))
  lines = []
}
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = kinds.get(entry.detail?.kind)
    if (kind !== undefined) lines.push(`${(performance.timeOrigin + entry.startTime).toFixed(3)} ${kind} ${entry.duration.toFixed(3)}\n`)
  }
}).observe({ entryTypes: ['gc'] })
setInterval(flush, 500).unref()
process.on('exit', flush)
