// JS-facing exports of the zset type (filled in when it lands).
