-- Pages of the Word copy: the title page and contents on the first page, then each section of the
-- report (a level-1 heading) on a new page, as in the printed HTML.
local page_break = pandoc.RawBlock('openxml', '<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
local seen_title = false
local after_contents = false

function Header(heading)
  local breaks = (heading.level == 1 and seen_title) or after_contents
  if heading.level == 1 then seen_title = true end
  after_contents = heading.identifier == 'contents'
  if breaks then
    return {page_break, heading}
  end
end
