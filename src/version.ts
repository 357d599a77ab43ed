// Version identity. IronCache reports the Redis version whose behaviour it reproduces in
// HELLO and INFO (clients gate features on it), and its own version beside it.
export const IRONCACHE_VERSION = "0.1.0";
export const REDIS_COMPAT_VERSION = "7.0.15";
