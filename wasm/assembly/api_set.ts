// JS-facing exports of the set type (filled in when it lands).
