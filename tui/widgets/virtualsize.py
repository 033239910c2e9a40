"""Growing or shrinking a ScrollView's content without a layout of its screen.

`virtual_size` is a layout reactive: setting it lays the whole screen out again and the
compositor then repaints every widget on it (at 100,000 tasks a colleague's change cost the
app ~10 ms for that alone). Our scrolling panes are sized by the stylesheet (`height: 1fr`)
and their scrollbars take no room (app.tcss: `scrollbar-size: 0 0`), so their content's
length moves nothing on screen: only the pane itself needs repainting.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """`view.virtual_size = size`, laid out only when that could move something: the view
    sizes itself by its content (`auto`), or its scrollbars take room."""
    if size == view.virtual_size:
        return
    styles = view.styles
    if (
        not view.is_mounted
        or styles.auto_dimensions
        or styles.scrollbar_size_vertical
        or styles.scrollbar_size_horizontal
    ):
        view.virtual_size = size
        return
    view.set_reactive(ScrollView.virtual_size, size)
    # What a layout would have done besides: keep the scroll position inside the content.
    view.scroll_y = view.validate_scroll_y(view.scroll_y)
    view.scroll_x = view.validate_scroll_x(view.scroll_x)
    view.refresh()
