// "Recompute now": POST the refresh URL; reload when done, say so when queued.
document.getElementById('refresh').addEventListener('click', async (event) => {
  const button = event.currentTarget, note = document.getElementById('refresh-note');
  button.disabled = true; note.textContent = ' Working…';
  try {
    const res = await fetch(button.dataset.url, {method: 'POST'});
    if (res.status === 200) { location.reload(); return; }
    note.textContent = res.status === 202
      ? ' Queued: the advice updates in a few minutes.' : ' Failed (HTTP ' + res.status + ').';
  } catch (err) { note.textContent = ' Failed: ' + err; }
  button.disabled = false;
});
