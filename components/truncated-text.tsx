// A long value in a table cell: cut to one line with an ellipsis, the full value in the
// title (on hover). A 100-character name without spaces would otherwise widen its column
// until the row's actions leave the screen. `className` sets the width it may take.
export function TruncatedText({ value, className = "max-w-40 sm:max-w-64", testId }: { value: string; className?: string; testId?: string }) {
  return (
    <span className={`block truncate ${className}`} title={value} data-testid={testId}>
      {value}
    </span>
  );
}
