// An error that already knows its HTTP status; handlers throw it and the app turns it into JSON.
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
