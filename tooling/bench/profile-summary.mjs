/**
 * Summarizes V8 CPU profiles (`node --cpu-prof`, one file per thread) over the timed window of
 * a case: self time per frame and per area (which package's code, WebAssembly, native code
 * called from JavaScript, garbage collection), over every thread, idle time left out.
 */

/** Which code a frame belongs to, from its script URL. */
export function areaOf(callFrame) {
  const { functionName, url } = callFrame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 and native code without a JS frame';
  if (functionName === '(idle)') return 'idle';
  if (url.startsWith('wasm://')) return 'WebAssembly';
  if (url.startsWith('node:')) return 'Node.js internals';
  const workspace = /\/(packages|tooling)\/([^/]+)\//.exec(url);
  const modules = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1);
  if (modules) return modules[1];
  if (workspace) {
    return workspace[1] === 'packages' ? `@wharf/${workspace[2]}` : `${workspace[2]} (harness)`;
  }
  if (url === '') return 'native';
  return url;
}

function threadName(file) {
  // CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile; thread 0 is the main thread.
  const thread = /\.(\d+)\.\d+\.cpuprofile$/.exec(file)?.[1];
  return thread === undefined || thread === '0' ? 'main' : `worker ${thread}`;
}

/**
 * `profiles` is `[{ file, profile }]`; `window` is `{ startMicros, endMicros }` on the
 * profiles' clock (what the case reports). Returns per-thread busy time, and the `top` frames
 * and the areas by self time.
 */
export function summarizeProfiles(profiles, window, { top = 15 } = {}) {
  const frames = new Map();
  const areas = new Map();
  const threads = [];
  let busyMicros = 0;
  for (const { file, profile } of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parents = new Map();
    for (const node of profile.nodes) {
      for (const child of node.children ?? []) parents.set(child, node);
    }
    let time = profile.startTime;
    let threadBusy = 0;
    let threadIdle = 0;
    for (let index = 0; index < profile.samples.length; index += 1) {
      time += profile.timeDeltas[index];
      const next = index + 1 < profile.samples.length ? profile.timeDeltas[index + 1] : 0;
      const duration = Math.max(0, Math.min(next, profile.endTime - time));
      if (time < window.startMicros || time > window.endMicros) continue;
      const node = nodes.get(profile.samples[index]);
      let area = areaOf(node.callFrame);
      if (area === 'idle' || node.callFrame.functionName === '(root)') {
        threadIdle += duration;
        continue;
      }
      if (area === 'native') {
        const caller = parents.get(node.id);
        area = `native code called from ${caller ? areaOf(caller.callFrame) : 'JS'}`;
      }
      threadBusy += duration;
      const { functionName, url, lineNumber } = node.callFrame;
      const place = url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : '';
      const key = `${functionName}\u0000${place}\u0000${area}`;
      const frame = frames.get(key) ?? {
        name: functionName || '(anonymous)',
        place,
        area,
        micros: 0,
      };
      frame.micros += duration;
      frames.set(key, frame);
      areas.set(area, (areas.get(area) ?? 0) + duration);
    }
    busyMicros += threadBusy;
    threads.push({
      thread: threadName(file),
      busySeconds: threadBusy / 1e6,
      idleSeconds: threadIdle / 1e6,
    });
  }
  const share = (micros) => (busyMicros > 0 ? micros / busyMicros : 0);
  return {
    windowSeconds: (window.endMicros - window.startMicros) / 1e6,
    busySeconds: busyMicros / 1e6,
    threads,
    areas: [...areas]
      .map(([area, micros]) => ({ area, seconds: micros / 1e6, share: share(micros) }))
      .sort((left, right) => right.seconds - left.seconds),
    top: [...frames.values()]
      .sort((left, right) => right.micros - left.micros)
      .slice(0, top)
      .map(({ micros, ...frame }) => ({ ...frame, seconds: micros / 1e6, share: share(micros) })),
  };
}

/** The summary as text: threads, areas, then the top frames. */
export function formatProfileSummary(summary) {
  const percent = (share) => `${(share * 100).toFixed(1).padStart(5)}%`;
  const seconds = (value) => `${value.toFixed(2).padStart(6)} s`;
  const lines = [
    `timed window ${summary.windowSeconds.toFixed(2)} s; CPU busy ${summary.busySeconds.toFixed(2)} s over all threads`,
    ...summary.threads.map(
      (thread) =>
        `  ${thread.thread}: busy ${thread.busySeconds.toFixed(2)} s, idle ${thread.idleSeconds.toFixed(2)} s`,
    ),
    '',
    'self time by area:',
    ...summary.areas.map((row) => `  ${seconds(row.seconds)} ${percent(row.share)}  ${row.area}`),
    '',
    'top frames by self time:',
    ...summary.top.map(
      (row) =>
        `  ${seconds(row.seconds)} ${percent(row.share)}  ${row.name}${row.place ? `  ${row.place}` : ''}  [${row.area}]`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
