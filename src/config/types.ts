// Shared shapes of the configuration system.

export type ConfigValue = string | number | boolean;

/** The outcome of parsing one value the way Redis parses a CONFIG SET / redis.conf argument. */
export type ParseResult =
  /** `text` is the value exactly as Redis's CONFIG GET prints it. */
  | { ok: true; value: ConfigValue; text: string }
  /** `redisError` is Redis's wording (for CONFIG SET); `why` is a friendlier line for humans. */
  | { ok: false; redisError: string; why: string };

export interface ValueType {
  /** Short type name for docs and usage: "integer", "size", "yes/no", ... */
  name: string;
  /** The accepted values or range for docs, e.g. "0..65535"; "" when anything goes. */
  domain: string;
  parse(raw: string): ParseResult;
  /** How a typed value is written back as a Redis argument (inverse of parse). */
  toRaw(value: ConfigValue): string;
  /** Takes several words, like Redis's multi-arg configs (`save 900 1 300 10`, `bind a b`). */
  multiWord?: boolean;
  /** Repeating the directive inside one file or command line adds to it (Redis's `save`). */
  combine?(previous: string, next: string): string;
  /** A value changes only the parts it names (client-output-buffer-limit): it is applied on
   *  top of the current value, by CONFIG SET and by each config layer. */
  relative?: boolean;
}
