// One polite live region for progress and one alert region for errors, so screen readers hear both.

export function announce(message) {
  const el = document.getElementById("status");
  if (el) el.textContent = message;
}

export function showError(error) {
  const el = document.getElementById("alert");
  if (!el || error?.name === "AbortError") return;
  el.textContent = `Error: ${error?.message ?? error}`;
}

export function clearError() {
  const el = document.getElementById("alert");
  if (el) el.textContent = "";
}
