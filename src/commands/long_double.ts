// C `long double` as Redis 7.0 on x86-64 uses it for INCRBYFLOAT: the x87 80-bit extended
// format (64-bit significand with an explicit integer bit, exponents -16382..16383, subnormals
// down to 2^-16445), round-to-nearest-even. Emulated exactly with BigInt so that parsing
// (glibc strtold through Redis's string2ld), addition and printing ("%.17Lf", Redis's
// ld2string LD_STR_HUMAN) give the very bytes redis-server gives.

/** A finite value: (-1)^negative × mantissa × 2^exponent, or a NaN/infinity. */
export interface LongDouble {
  finite: boolean;
  negative: boolean;
  /** In [2^63, 2^64) for normal numbers; below 2^63 only at the smallest exponent. */
  mantissa: bigint;
  exponent: number;
}

const SIGNIFICAND_BITS = 64;
/** Exponent of the largest power of two below the largest finite value. */
const MAX_TOP_EXPONENT = 16383;
/** The exponent of the last mantissa bit of a subnormal: the smallest value is 2^-16445. */
const MIN_EXPONENT = -16382 - (SIGNIFICAND_BITS - 1);
const MANTISSA_LIMIT = 1n << BigInt(SIGNIFICAND_BITS);
const MANTISSA_TOP_BIT = 1n << BigInt(SIGNIFICAND_BITS - 1);

/** Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses inputs of this length or longer. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;
/** Exponents beyond these leave nothing but overflow or underflow: clamp before BigInt math. */
const EXPONENT_CLAMP = 100_000;

const NOT_FINITE: LongDouble = { finite: false, negative: false, mantissa: 0n, exponent: 0 };

function zero(negative: boolean): LongDouble {
  return { finite: true, negative, mantissa: 0n, exponent: 0 };
}

/** 10^k, cached for the small k that everyday numbers need. */
const powersOfTen: bigint[] = [];
function powerOfTen(k: number): bigint {
  if (k > 512) return 10n ** BigInt(k);
  return powersOfTen[k] ??= 10n ** BigInt(k);
}

function bitLength(n: bigint): number {
  if (n === 0n) return 0;
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * The long double nearest to num/den × 2^scale (num, den > 0), ties to even; a NaN/infinity
 * on overflow, a zero when it underflows below half the smallest subnormal.
 */
function roundRational(negative: boolean, num: bigint, den: bigint, scale: number): LongDouble {
  // floor(log2(num/den)), then of the whole value.
  let log2 = bitLength(num) - bitLength(den);
  const atLeast = log2 >= 0 ? num >= den << BigInt(log2) : num << BigInt(-log2) >= den;
  if (!atLeast) log2--;
  const top = log2 + scale;
  if (top > MAX_TOP_EXPONENT) return NOT_FINITE;
  if (top < MIN_EXPONENT - 1) return zero(negative);
  let exponent = Math.max(top - (SIGNIFICAND_BITS - 1), MIN_EXPONENT);
  const shift = scale - exponent;
  if (shift >= 0) num <<= BigInt(shift);
  else den <<= BigInt(-shift);
  let mantissa = num / den;
  const twiceRest = (num - mantissa * den) * 2n;
  if (twiceRest > den || (twiceRest === den && (mantissa & 1n) === 1n)) mantissa++;
  if (mantissa === MANTISSA_LIMIT) {
    mantissa = MANTISSA_TOP_BIT;
    exponent++;
  }
  if (exponent + SIGNIFICAND_BITS - 1 > MAX_TOP_EXPONENT) return NOT_FINITE;
  return { finite: true, negative, mantissa, exponent };
}

// ---- parsing ---------------------------------------------------------------------------------

// What glibc's strtold accepts (C locale) when it must consume the whole text, as string2ld
// requires: a sign, then a decimal or hexadecimal number, or "inf"/"infinity". NaN is refused
// by string2ld anyway, so it is simply not matched.
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEXADECIMAL = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;

function clampedExponent(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = Number(text);
  return Math.max(-EXPONENT_CLAMP, Math.min(EXPONENT_CLAMP, n));
}

/**
 * Redis's string2ld: the value of the whole text, or null when strtold would not consume it
 * all, it starts with a space, it is a NaN, it overflows, or it underflows to zero. An
 * explicit "inf" is accepted (its sum is then refused by INCRBYFLOAT).
 */
export function parseLongDouble(bytes: Uint8Array): LongDouble | null {
  if (bytes.length === 0 || bytes.length >= MAX_LONG_DOUBLE_CHARS) return null;
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    // Only ASCII can be part of a number: anything else (NUL, spaces, UTF-8) fails the match.
    if (c < 0x21 || c > 0x7e) return null;
    text += String.fromCharCode(c);
  }
  const hex = HEXADECIMAL.exec(text);
  if (hex) return parseDigits(hex[1] === "-", hex[2], hex[3] ?? "", hex[4], 16);
  const dec = DECIMAL.exec(text);
  if (dec) return parseDigits(dec[1] === "-", dec[2], dec[3] ?? "", dec[4], 10);
  const inf = INFINITY.exec(text);
  if (inf) return { ...NOT_FINITE, negative: inf[1] === "-" };
  return null;
}

function parseDigits(
  negative: boolean,
  whole: string,
  fraction: string,
  exponentText: string | undefined,
  radix: 10 | 16,
): LongDouble | null {
  if (whole.length + fraction.length === 0) return null; // "." or "0x" has no digits
  const digits = (whole + fraction).replace(/^0+/, "");
  if (digits === "") return zero(negative);
  const exponent = clampedExponent(exponentText);
  let result: LongDouble;
  if (radix === 16) {
    const scale = exponent - 4 * fraction.length;
    result = roundRational(negative, BigInt("0x" + digits), 1n, scale);
  } else {
    const power = exponent - fraction.length;
    // Beyond these, the value is certainly above the largest long double (~1.19e4932) or
    // below half the smallest subnormal (~3.6e-4951 / 2): skip the huge powers of ten.
    if (digits.length - 1 + power > 4933) return null;
    if (digits.length + power < -4952) return null;
    const significand = BigInt(digits);
    result = power >= 0
      ? roundRational(negative, significand * powerOfTen(power), 1n, 0)
      : roundRational(negative, significand, powerOfTen(-power), 0);
  }
  // ERANGE from strtold: overflow to infinity, or a nonzero number rounded to zero.
  if (!result.finite || result.mantissa === 0n) return null;
  return result;
}

// ---- arithmetic ------------------------------------------------------------------------------

/** a + b rounded to the nearest long double; NaN/infinity in, or overflow, gives non-finite. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (!a.finite || !b.finite) return NOT_FINITE;
  if (a.mantissa === 0n) return b.mantissa === 0n ? zero(a.negative && b.negative) : b;
  if (b.mantissa === 0n) return a;
  const exponent = Math.min(a.exponent, b.exponent);
  const signed = (x: LongDouble) =>
    (x.negative ? -x.mantissa : x.mantissa) << BigInt(x.exponent - exponent);
  const sum = signed(a) + signed(b);
  if (sum === 0n) return zero(false); // x + (-x) is +0 when rounding to nearest
  return roundRational(sum < 0n, sum < 0n ? -sum : sum, 1n, exponent);
}

// ---- printing --------------------------------------------------------------------------------

const FRACTION_DIGITS = 17;
const FRACTION_SCALE = powerOfTen(FRACTION_DIGITS);

/**
 * Redis's ld2string(LD_STR_HUMAN): glibc's "%.17Lf" (exact, ties to even), then trailing
 * zeros and a trailing '.' removed, and "-0" printed as "0". Only for finite values.
 */
export function formatLongDoubleHuman(x: LongDouble): string {
  let scaled: bigint;
  if (x.exponent >= 0) {
    scaled = (x.mantissa << BigInt(x.exponent)) * FRACTION_SCALE;
  } else {
    const shift = BigInt(-x.exponent);
    const num = x.mantissa * FRACTION_SCALE;
    scaled = num >> shift;
    const rest = num - (scaled << shift);
    const half = 1n << (shift - 1n);
    if (rest > half || (rest === half && (scaled & 1n) === 1n)) scaled++;
  }
  const digits = scaled.toString().padStart(FRACTION_DIGITS + 1, "0");
  const whole = digits.slice(0, -FRACTION_DIGITS);
  const fraction = digits.slice(-FRACTION_DIGITS).replace(/0+$/, "");
  const text = (x.negative ? "-" : "") + whole + (fraction ? "." + fraction : "");
  return text === "-0" ? "0" : text;
}
