//! A legend drawn beside the plot rather than over it, so it never hides data.

use super::axes::{FONT, INK};
use super::panel::OrText;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Width of the legend column, in pixels.
pub const WIDTH: u32 = 300;

/// How an entry is marked.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    Line {
        color: RGBColor,
        width: u32,
    },
    Dashed {
        color: RGBColor,
        width: u32,
    },
    Area {
        color: RGBAColor,
    },
    Dot {
        color: RGBColor,
    },
    /// A line of text without a mark, in bold: a key fact above the entries.
    Note,
}

/// The entries of a legend, in drawing order.
#[derive(Debug, Default)]
pub struct Legend {
    entries: Vec<(Mark, String)>,
}

impl Legend {
    pub fn add(&mut self, mark: Mark, label: impl Into<String>) {
        self.entries.push((mark, label.into()));
    }

    /// Draws the entries top-down in `area`, wrapping long labels onto a second line.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        top: i32,
    ) -> Result<(), String> {
        let font = (FONT, 14).into_font().color(&INK);
        let bold = (FONT, 14, FontStyle::Bold).into_font().color(&INK);
        let (width, _) = area.dim_in_pixel();
        let text_x = 40;
        let max_chars = ((width as i32 - text_x - 8) / 8).max(12) as usize;
        let mut y = top;
        for (mark, label) in &self.entries {
            let mid = y + 8;
            match *mark {
                Mark::Line { color, width } => area
                    .draw(&PathElement::new(
                        vec![(8, mid), (32, mid)],
                        color.stroke_width(width),
                    ))
                    .or_text()?,
                Mark::Dashed { color, width } => {
                    for (a, b) in [(8, 14), (18, 24), (28, 32)] {
                        area.draw(&PathElement::new(
                            vec![(a, mid), (b, mid)],
                            color.stroke_width(width),
                        ))
                        .or_text()?;
                    }
                }
                Mark::Area { color } => area
                    .draw(&Rectangle::new(
                        [(8, mid - 7), (32, mid + 7)],
                        color.filled(),
                    ))
                    .or_text()?,
                Mark::Dot { color } => area
                    .draw(&Circle::new((20, mid), 5, color.filled()))
                    .or_text()?,
                Mark::Note => (),
            }
            let (x, style, max) = match mark {
                Mark::Note => (8, bold.clone(), max_chars + 4),
                _ => (text_x, font.clone(), max_chars),
            };
            for line in wrap(label, max) {
                area.draw(&Text::new(line, (x, y), style.clone()))
                    .or_text()?;
                y += 18;
            }
            y += 8;
        }
        Ok(())
    }
}

/// Splits `text` at spaces into lines of at most `max` characters (longer words stay whole).
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(
            wrap("limit 1.00 GiB (cgroup_limit)", 15),
            vec!["limit 1.00 GiB", "(cgroup_limit)"]
        );
        assert_eq!(wrap("short", 15), vec!["short"]);
    }
}
