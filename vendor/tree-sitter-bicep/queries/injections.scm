([
  (comment)
  (diagnostic_comment)
] @injection.content
  (#set! injection.language "comment"))
