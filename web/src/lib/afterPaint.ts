/**
 * Runs `work` once the browser has drawn the current frame, and returns a function that cancels it. For work that
 * reads layout, such as moving focus: done right after React's commit it makes the browser compute the style and
 * layout of the whole page in the middle of the task that rendered it; after the paint they are already known.
 */
export function afterNextPaint(work: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A frame callback runs just before the paint; a task queued from it runs after.
  const frame = requestAnimationFrame(() => {
    timer = setTimeout(work);
  });
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
}
