// An error that already knows its HTTP status; handlers throw it and the app turns it into JSON.
// `code` is a stable id the site decides on (the sentence is for people and may change).
export class HttpError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, message: string, code?: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
