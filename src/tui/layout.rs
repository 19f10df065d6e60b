//! Where the panes go. Pure arithmetic on `Rect`s through ratatui's
//! `Layout` (no raw subtraction that could underflow on a tiny terminal).

use ratatui::layout::{Constraint, Layout, Rect};

/// Below this size only a "terminal too small" message is drawn.
pub const MIN_WIDTH: u16 = 50;
pub const MIN_HEIGHT: u16 = 12;
/// From this width on, list, detail and compare are all on screen.
pub const WIDE: u16 = 100;
/// From this width on the list has its full width.
pub const NORMAL: u16 = 80;
/// Below this width one pane is shown at a time (the list, or the detail
/// or compare pane).
pub const SINGLE: u16 = 60;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    List,
    Detail,
    Compare,
    /// The calls of a loaded trace (the whole body).
    Calls,
}

/// The rectangles of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Panes {
    pub search: Rect,
    /// The result list, when on screen.
    pub list: Option<Rect>,
    /// The detail pane, when on screen.
    pub detail: Option<Rect>,
    /// The compare pane, when on screen.
    pub compare: Option<Rect>,
    /// The status line (one or more rows).
    pub status: Rect,
    /// Everything between the search line and the status (for overlays).
    pub body: Rect,
}

/// What the layout depends on besides the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Want {
    /// Below [`WIDE`]: the compare pane takes the detail's place.
    pub compare: bool,
    /// Below [`SINGLE`]: show the list (else the detail or compare pane).
    pub list: bool,
    /// Rows of the status line (1 or more).
    pub status_rows: u16,
}

/// True when the area is too small to draw the UI.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// Split the screen. At [`WIDE`] columns and more: list | detail | compare.
/// Narrower: list | (detail or compare), the list narrower below
/// [`NORMAL`]; below [`SINGLE`] the list or the other pane alone.
pub fn panes(area: Rect, want: Want) -> Panes {
    let [search, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(want.status_rows.max(1)),
    ])
    .areas(area);
    let w = area.width;
    let (list, right) = if w < SINGLE {
        if want.list {
            (Some(body), None)
        } else {
            (None, Some(body))
        }
    } else {
        let list_w = if w >= WIDE {
            32
        } else if w >= NORMAL {
            28
        } else {
            (w / 3).clamp(20, 26)
        };
        let [l, r] =
            Layout::horizontal([Constraint::Length(list_w), Constraint::Min(1)]).areas(body);
        (Some(l), Some(r))
    };
    let (detail, compare) = match right {
        None => (None, None),
        Some(r) if w >= WIDE => {
            let [d, c] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(r);
            (Some(d), Some(c))
        }
        Some(r) if want.compare => (None, Some(r)),
        Some(r) => (Some(r), None),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(w: u16, h: u16, want: Want) -> Panes {
        panes(Rect::new(0, 0, w, h), want)
    }

    #[test]
    fn the_list_shrinks_then_hides_on_narrow_terminals() {
        let want = Want::default();
        assert_eq!(at(120, 40, want).list.unwrap().width, 32);
        assert_eq!(at(80, 24, want).list.unwrap().width, 28);
        let p = at(60, 20, want);
        assert_eq!(p.list.unwrap().width, 20);
        assert_eq!(p.detail.unwrap().width, 40);
        // At 50 columns the detail gets the whole width.
        let p = at(50, 12, want);
        assert!(p.list.is_none());
        assert_eq!(p.detail.unwrap().width, 50);
        let p = at(50, 12, Want { list: true, ..want });
        assert_eq!(p.list.unwrap().width, 50);
        assert!(p.detail.is_none() && p.compare.is_none());
    }

    #[test]
    fn a_long_status_takes_more_rows() {
        let p = at(
            80,
            24,
            Want {
                status_rows: 2,
                ..Want::default()
            },
        );
        assert_eq!(p.status.height, 2);
        assert_eq!(p.body.height, 21);
    }
}
