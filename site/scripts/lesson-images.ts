// The lesson's images notice: while the server is still making the images this lesson names (a fresh
// server makes most of them after it starts, docs/hosting.md), it says which cannot run yet, and it goes
// away by itself once they can. If making them failed, it says so and what fixes it.
import { LESSON_IMAGES_POLL_MS, type LessonImagesView } from '../../sandbox-server/protocol/lessons.ts';
import { showSentence } from './sentence.ts';

export function followLessonImages(notice: HTMLElement, lesson: string): void {
  const ask = async () => {
    let view: LessonImagesView;
    try {
      const response = await fetch(`/api/lessons/${encodeURIComponent(lesson)}/images`);
      if (!response.ok) return;
      view = (await response.json()) as LessonImagesView;
    } catch {
      // The server is out of reach for a moment: a notice already shown stays, and is asked about again.
      if (!notice.hidden) setTimeout(ask, LESSON_IMAGES_POLL_MS);
      return;
    }
    notice.dataset.state = view.state;
    notice.hidden = view.state === 'ready';
    if (view.state === 'ready') {
      notice.replaceChildren();
      return;
    }
    showSentence(notice, view.message);
    if (view.state === 'preparing') setTimeout(ask, LESSON_IMAGES_POLL_MS);
  };
  void ask();
}
