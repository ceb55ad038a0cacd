/** The event cannot be processed however often it is retried (not JSON, row gone). */
export class UnprocessableEventError extends Error {
  override name = "UnprocessableEventError";
}
