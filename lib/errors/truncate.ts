/** Longest piece of outside text (data, a body, arguments) an error quotes. */
const QUOTE_LIMIT = 200;

/** `text`, cut to 200 characters with `…` marking the cut. Internal to the error classes. */
export function truncate(text: string): string {
  return text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text;
}
