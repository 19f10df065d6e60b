//! Where the panes go. Pure arithmetic on `Rect`s through ratatui's
//! `Layout` (no raw subtraction that could underflow on a tiny terminal).

use ratatui::layout::{Constraint, Layout, Rect};

/// Below this size only a "terminal too small" message is drawn.
pub const MIN_WIDTH: u16 = 50;
pub const MIN_HEIGHT: u16 = 12;
/// From this width on, list, detail and compare are all on screen.
pub const WIDE: u16 = 100;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    List,
    Detail,
    Compare,
}

/// The rectangles of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Panes {
    pub search: Rect,
    pub list: Rect,
    /// The detail pane, when on screen.
    pub detail: Option<Rect>,
    /// The compare pane, when on screen.
    pub compare: Option<Rect>,
    pub status: Rect,
    /// The whole area (for overlays).
    pub body: Rect,
}

/// True when the area is too small to draw the UI.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// Split the screen. At `WIDE` columns and more: list | detail | compare.
/// Narrower: list | (detail or compare, whichever was focused last).
pub fn panes(area: Rect, show_compare: bool) -> Panes {
    let [search, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let list_w = if area.width >= WIDE { 32 } else { 28 };
    let [list, right] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(1)]).areas(body);
    let (detail, compare) = if area.width >= WIDE {
        let [d, c] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(right);
        (Some(d), Some(c))
    } else if show_compare {
        (None, Some(right))
    } else {
        (Some(right), None)
    };
    Panes {
        search,
        list,
        detail,
        compare,
        status,
        body,
    }
}

/// The inner area of a bordered block.
pub fn inner(r: Rect) -> Rect {
    r.inner(ratatui::layout::Margin {
        horizontal: 1,
        vertical: 1,
    })
}
