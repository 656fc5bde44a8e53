//! The line index of a text, compact: a run keeps the index of every file it read to its end
//! (findings are placed by line and column when they are written), so it costs about one
//! byte a line instead of four.

/// Lines per block: the start of every `BLOCK`-th line is stored whole.
const BLOCK: usize = 64;
/// A step this large or larger is stored whole, in [`LineStarts::long`].
const LONG: u8 = u8::MAX;

/// The byte offsets where the lines of a text start: the start of every [`BLOCK`]-th line,
/// and per line the distance from the start of the line before (one byte; the lines after a
/// line of 255 bytes or more have their start stored whole).
#[derive(Clone, Debug, Default)]
pub(crate) struct LineStarts {
    blocks: Vec<u32>,
    steps: Vec<u8>,
    /// `(line, start)` of the lines whose step is [`LONG`], in order of lines.
    long: Vec<(u32, u32)>,
}

impl LineStarts {
    pub(crate) fn new(text: &[u8]) -> LineStarts {
        let lines = memchr::memchr_iter(b'\n', text).count() + 1;
        let mut index = LineStarts {
            blocks: Vec::with_capacity(lines.div_ceil(BLOCK)),
            steps: Vec::with_capacity(lines),
            long: Vec::new(),
        };
        index.push(0, 0);
        let mut before = 0;
        for newline in memchr::memchr_iter(b'\n', text) {
            let start = u32::try_from(newline + 1).unwrap_or(u32::MAX);
            index.push(start, before);
            before = start;
        }
        index.long.shrink_to_fit();
        index
    }

    /// Adds the next line, which starts at `start` (the line before it at `before`).
    fn push(&mut self, start: u32, before: u32) {
        let line = self.steps.len();
        if line.is_multiple_of(BLOCK) {
            self.blocks.push(start);
        }
        match u8::try_from(start.saturating_sub(before)) {
            Ok(step) if step < LONG => self.steps.push(step),
            _ => {
                self.steps.push(LONG);
                self.long
                    .push((u32::try_from(line).unwrap_or(u32::MAX), start));
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.steps.len()
    }

    /// The start of a zero-based line.
    pub(crate) fn get(&self, line: usize) -> Option<u32> {
        if line >= self.steps.len() {
            return None;
        }
        let first = line - line % BLOCK;
        let mut start = self.blocks[first / BLOCK];
        for i in first + 1..=line {
            start = self.next(i, start);
        }
        Some(start)
    }

    /// The start of line `i`, given the start of line `i - 1`.
    fn next(&self, i: usize, before: u32) -> u32 {
        match self.steps[i] {
            LONG => {
                let at = self.long.partition_point(|&(line, _)| (line as usize) < i);
                self.long[at].1
            }
            step => before + u32::from(step),
        }
    }

    /// The last line that starts at or before `offset`.
    pub(crate) fn find(&self, offset: u32) -> usize {
        let block = self
            .blocks
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let mut line = block * BLOCK;
        let mut start = self.blocks[block];
        let end = self.steps.len().min(line + BLOCK);
        while line + 1 < end {
            let next = self.next(line + 1, start);
            if next > offset {
                break;
            }
            line += 1;
            start = next;
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain index: every line start as a `u32`.
    fn plain(text: &str) -> Vec<u32> {
        let mut starts = vec![0];
        starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| u32::try_from(i + 1).unwrap()),
        );
        starts
    }

    #[test]
    fn the_compact_index_gives_the_plain_answers() {
        let mut long = String::new();
        for i in 0..700 {
            // Lines of every length around the one-byte limit, and blank ones.
            long.push_str(&"x".repeat((i * 37) % 600));
            long.push('\n');
            if i % 5 == 0 {
                long.push('\n');
            }
        }
        for text in ["", "\n", "a", "a\n", "a\nb", "\n\n\n", long.as_str()] {
            let starts = plain(text);
            let index = LineStarts::new(text.as_bytes());
            assert_eq!(index.len(), starts.len());
            for (line, &start) in starts.iter().enumerate() {
                assert_eq!(index.get(line), Some(start), "line {line}");
            }
            assert_eq!(index.get(starts.len()), None);
            for offset in 0..=u32::try_from(text.len()).unwrap() {
                let want = match starts.binary_search(&offset) {
                    Ok(i) => i,
                    Err(i) => i - 1,
                };
                assert_eq!(index.find(offset), want, "offset {offset}");
            }
        }
    }
}
