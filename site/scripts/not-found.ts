// The 404 page names what was asked for: a lesson that does not exist says so, with its name as typed.
const reason = document.getElementById('not-found-reason') as HTMLElement;
const lesson = /^\/lessons\/([^/]+)\/?$/.exec(location.pathname)?.[1];
if (lesson) {
  let name = lesson;
  try {
    name = decodeURIComponent(lesson);
  } catch {
    // Not valid percent-encoding: show it as it stands.
  }
  reason.textContent = `There is no lesson called “${name}”. Pick one from the course below.`;
}
