// Measures how responsive the main thread stays: the longest task Chromium reports
// (PerformanceObserver 'longtask', i.e. tasks over 50 ms) and the worst lateness of a 10 ms
// setInterval (what a user would feel as jank, whatever blocked the thread).

export function startResponsivenessProbe(periodMs = 10) {
  let longestTaskMs = 0;
  let worstLatenessMs = 0;
  let observer;
  if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        longestTaskMs = Math.max(longestTaskMs, entry.duration);
    });
    observer.observe({ type: 'longtask' });
  }
  let expected = performance.now() + periodMs;
  const timer = setInterval(() => {
    const now = performance.now();
    worstLatenessMs = Math.max(worstLatenessMs, now - expected);
    expected = now + periodMs;
  }, periodMs);
  const read = () => ({ longestTaskMs, worstLatenessMs });
  return {
    read,
    stop() {
      clearInterval(timer);
      observer?.disconnect();
      return read();
    },
  };
}
