"""The PDF booklet edition: prepared beside the other editions, typeset by WeasyPrint."""
