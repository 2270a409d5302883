// The course as GET /api/lessons lists it: what a page needs to offer lessons, never their solutions.

export type LessonSummaryView = {
  slug: string;
  title: string;
  order: number;
  summary: string;
  minutes: number;
  exercises: { id: string; title: string }[];
};

/**
 * GET /api/lessons/:slug/images: whether `docker run` of the images the lesson names works in a sandbox
 * yet. On a fresh server they are made after it starts (docs/hosting.md); `message` is the sentence the
 * page shows until they are ready.
 */
export type LessonImagesView = { state: 'ready' } | { state: 'preparing' | 'failed'; images: string[]; message: string };

/** How often a lesson page asks again while its images are being prepared. */
export const LESSON_IMAGES_POLL_MS = 3_000;
