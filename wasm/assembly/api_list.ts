// JS-facing exports of the list type (filled in when it lands).
