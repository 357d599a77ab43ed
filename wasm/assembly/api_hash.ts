// JS-facing exports of the hash type (filled in when it lands).
