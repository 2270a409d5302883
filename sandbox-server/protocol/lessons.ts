// The course as GET /api/lessons lists it: what a page needs to offer lessons, never their solutions.

export type LessonSummaryView = {
  slug: string;
  title: string;
  order: number;
  summary: string;
  minutes: number;
  exercises: { id: string; title: string }[];
};
