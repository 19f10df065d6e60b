//! The building blocks of the knowledge-base types: text, lists, maps and
//! keyed tables that are either static data compiled into the binary or
//! owned values.
//!
//! The embedded knowledge base is Rust source that `build.rs` generates from
//! `assets/` (see `emit.rs`): every string is a `Text::Embedded` range of one
//! string table in the binary's read-only data, so nothing is decoded or
//! copied at start-up, the tables need no relocation when the program is
//! loaded, and only the pages a command reads are touched. The user's overrides and
//! the TOML the tests read from disk deserialise into the `Owned` variants
//! of the same types, so the rest of the program sees one type either way.
//!
//! Each type serialises as what it holds (a string, a sequence, a map), so
//! JSON output is unchanged. It does so through a newtype struct named after
//! its embedded constructor (`Text::Embedded`, `List::Embedded`,
//! `Map::Embedded`): JSON and TOML ignore that name, and the Rust emitter
//! writes it, which is how the generated source stays generic over every
//! field of every type. Embedded values are offsets into a string table and
//! into one array per item type ([`Pooled`]), never pointers: the static
//! data needs no relocation when the program is loaded.

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// A string of the knowledge base.
#[derive(Clone)]
pub enum Text {
    /// Bytes `start..start + len` of the embedded base's string table
    /// (`STRINGS` in the generated source). An offset, not a pointer, so the
    /// static tables need no relocation when the program is loaded.
    Embedded(u32, u32),
    /// A string literal.
    Static(&'static str),
    /// Read at run time.
    Owned(Box<str>),
}

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        match self {
            Text::Embedded(start, len) => {
                let (start, len) = (*start as usize, *len as usize);
                super::embedded::STRINGS
                    .get(start..start + len)
                    .unwrap_or_default()
            }
            Text::Static(s) => s,
            Text::Owned(s) => s,
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::Static("")
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Self {
        Text::Static(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::Owned(s.into_boxed_str())
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        match t {
            Text::Owned(s) => s.into_string(),
            t => t.as_str().to_string(),
        }
    }
}

impl From<&Text> for String {
    fn from(t: &Text) -> Self {
        t.as_str().to_string()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

macro_rules! text_eq {
    ($($t:ty),*) => {$(
        impl PartialEq<$t> for Text {
            fn eq(&self, other: &$t) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }
        impl PartialEq<Text> for $t {
            fn eq(&self, other: &Text) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}
text_eq!(str, &str, String);

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct("Text::Embedded", self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Text::from)
    }
}

/// Items the embedded base keeps in one static array per type (a pool,
/// written by `build.rs`), so a static list is an offset and a length, not
/// a pointer. The generated source implements it for every type a list of
/// the embedded base holds.
pub trait Pooled: Sized + 'static {
    /// The array of all embedded items of this type.
    fn pool() -> &'static [Self];
}

/// A list of the knowledge base.
pub enum List<T: 'static> {
    /// Items `start..start + len` of the pool of `T` in the embedded base.
    Embedded(u32, u32),
    /// A static slice.
    Static(&'static [T]),
    /// Read or changed at run time.
    Owned(Vec<T>),
}

impl<T: Pooled> List<T> {
    /// The items.
    pub fn as_slice(&self) -> &[T] {
        match self {
            List::Embedded(start, len) => {
                let (start, len) = (*start as usize, *len as usize);
                T::pool().get(start..start + len).unwrap_or_default()
            }
            List::Static(s) => s,
            List::Owned(v) => v,
        }
    }
}

impl<T: Pooled + Clone> List<T> {
    /// The items as a vector that can be changed (copies static items first).
    pub fn to_mut(&mut self) -> &mut Vec<T> {
        if !matches!(self, List::Owned(_)) {
            *self = List::Owned(self.as_slice().to_vec());
        }
        match self {
            List::Owned(v) => v,
            _ => unreachable!("made owned above"),
        }
    }
}

impl List<Text> {
    /// The items as owned strings.
    pub fn to_strings(&self) -> Vec<String> {
        self.iter().map(String::from).collect()
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List::Static(&[])
    }
}

impl<T: Pooled> Deref for List<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

/// Changing an item copies static items first (copy on write).
impl<T: Pooled + Clone> std::ops::DerefMut for List<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.to_mut()
    }
}

impl<T: Clone> Clone for List<T> {
    fn clone(&self) -> Self {
        match self {
            List::Embedded(start, len) => List::Embedded(*start, *len),
            List::Static(s) => List::Static(s),
            List::Owned(v) => List::Owned(v.clone()),
        }
    }
}

impl<T: Pooled + fmt::Debug> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl<T: Pooled + PartialEq> PartialEq for List<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Pooled + PartialEq> PartialEq<Vec<T>> for List<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Pooled + PartialEq> PartialEq<[T]> for List<T> {
    fn eq(&self, other: &[T]) -> bool {
        self.as_slice() == other
    }
}

impl<T: Pooled + Eq> Eq for List<T> {}

impl<T> From<Vec<T>> for List<T> {
    fn from(v: Vec<T>) -> Self {
        List::Owned(v)
    }
}

impl<'a, T: Pooled> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<T: Pooled + Serialize> Serialize for List<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct("List::Embedded", self.as_slice())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::deserialize(d).map(List::Owned)
    }
}

/// A map from text to text, sorted by key (a TOML table such as a step's
/// command hints).
pub enum Map {
    /// Pairs `start..start + len` of the embedded base's pool of pairs.
    Embedded(u32, u32),
    /// Read at run time.
    Owned(Vec<(Text, Text)>),
}

impl Map {
    fn pairs(&self) -> &[(Text, Text)] {
        match self {
            Map::Embedded(start, len) => {
                let (start, len) = (*start as usize, *len as usize);
                <(Text, Text)>::pool()
                    .get(start..start + len)
                    .unwrap_or_default()
            }
            Map::Owned(p) => p,
        }
    }

    /// Key and value pairs in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Text, &Text)> + Clone {
        self.pairs().iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Text> + Clone {
        self.pairs().iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Text> + Clone {
        self.pairs().iter().map(|(_, v)| v)
    }

    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&Text> {
        let p = self.pairs();
        p.binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &p[i].1)
    }

    /// True if the key is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.pairs().len()
    }

    /// True if there are no entries.
    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }
}

impl Default for Map {
    fn default() -> Self {
        Map::Owned(Vec::new())
    }
}

impl Clone for Map {
    fn clone(&self) -> Self {
        match self {
            Map::Embedded(start, len) => Map::Embedded(*start, *len),
            Map::Owned(p) => Map::Owned(p.clone()),
        }
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        self.pairs() == other.pairs()
    }
}

impl Eq for Map {}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Text, &'a Text);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Text, Text)>,
        fn(&'a (Text, Text)) -> (&'a Text, &'a Text),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.pairs().iter().map(|(k, v)| (k, v))
    }
}

impl<K: Into<Text>, V: Into<Text>> FromIterator<(K, V)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let sorted: std::collections::BTreeMap<Text, Text> = iter
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Map::Owned(sorted.into_iter().collect())
    }
}

/// Serialises the pairs as a map (inside the `Map::Embedded` newtype).
struct Pairs<'a>(&'a [(Text, Text)]);

impl Serialize for Pairs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct("Map::Embedded", &Pairs(self.pairs()))
    }
}

impl<'de> Deserialize<'de> for Map {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A BTreeMap sorts the keys and refuses none; TOML already refuses
        // a key given twice.
        std::collections::BTreeMap::<String, String>::deserialize(d)
            .map(|m| m.into_iter().collect())
    }
}

/// Something with a key a [`Table`] is sorted and looked up by.
pub trait Keyed {
    type Key: Ord + fmt::Debug;
    fn key(&self) -> &Self::Key;
}

/// Rows sorted by their key, looked up by binary search: the shape of a
/// `BTreeMap` over a list that can be static.
pub struct Table<V: 'static>(Rows<V>);

/// Rows of the knowledge base (a table of its own, like the methods or the
/// pairs): a static slice, or owned.
pub enum Rows<V: 'static> {
    Static(&'static [V]),
    Owned(Vec<V>),
}

impl<V> Rows<V> {
    /// The rows.
    pub fn as_slice(&self) -> &[V] {
        match self {
            Rows::Static(r) => r,
            Rows::Owned(r) => r,
        }
    }
}

impl<V> Deref for Rows<V> {
    type Target = [V];
    fn deref(&self) -> &[V] {
        self.as_slice()
    }
}

impl<'a, V> IntoIterator for &'a Rows<V> {
    type Item = &'a V;
    type IntoIter = std::slice::Iter<'a, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<V> From<Vec<V>> for Rows<V> {
    fn from(v: Vec<V>) -> Self {
        Rows::Owned(v)
    }
}

impl<V: Clone> Clone for Rows<V> {
    fn clone(&self) -> Self {
        match self {
            Rows::Static(r) => Rows::Static(r),
            Rows::Owned(r) => Rows::Owned(r.clone()),
        }
    }
}

impl<V: fmt::Debug> fmt::Debug for Rows<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl<V: Serialize> Serialize for Rows<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<V: PartialEq> PartialEq for Rows<V> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<V: Keyed> Table<V> {
    /// Static rows; they must be sorted by key with no key twice (`build.rs`
    /// sorts them and refuses duplicates).
    pub const fn from_static(rows: &'static [V]) -> Self {
        Table(Rows::Static(rows))
    }

    /// The row of a key.
    pub fn get(&self, key: &V::Key) -> Option<&V> {
        let rows = self.0.as_slice();
        rows.binary_search_by(|r| r.key().cmp(key))
            .ok()
            .map(|i| &rows[i])
    }

    /// True if a row has the key (by reference, as `BTreeMap` has it).
    pub fn contains_key(&self, key: &V::Key) -> bool {
        self.get(key).is_some()
    }

    /// The rows in key order.
    pub fn values(&self) -> std::slice::Iter<'_, V> {
        self.0.as_slice().iter()
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &V::Key> + '_ {
        self.values().map(V::key)
    }

    /// Key and row pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&V::Key, &V)> + '_ {
        self.values().map(|v| (v.key(), v))
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.0.as_slice().len()
    }

    /// True if there are no rows.
    pub fn is_empty(&self) -> bool {
        self.0.as_slice().is_empty()
    }
}

impl<V: Keyed + Clone> Table<V> {
    /// Add a row, or replace the row with the same key; returns the one
    /// replaced.
    pub fn insert(&mut self, row: V) -> Option<V> {
        if let Rows::Static(r) = self.0 {
            self.0 = Rows::Owned(r.to_vec());
        }
        let Rows::Owned(rows) = &mut self.0 else {
            unreachable!("made owned above")
        };
        match rows.binary_search_by(|r| r.key().cmp(row.key())) {
            Ok(i) => Some(std::mem::replace(&mut rows[i], row)),
            Err(i) => {
                rows.insert(i, row);
                None
            }
        }
    }
}

impl<V: Keyed> FromIterator<V> for Table<V> {
    /// Rows in any order; of two rows with one key the last is kept.
    fn from_iter<I: IntoIterator<Item = V>>(iter: I) -> Self {
        let mut rows: Vec<V> = iter.into_iter().collect();
        // Stable sort, then keep the last of each run of equal keys.
        rows.sort_by(|a, b| a.key().cmp(b.key()));
        rows.reverse();
        rows.dedup_by(|a, b| a.key() == b.key());
        rows.reverse();
        Table(Rows::Owned(rows))
    }
}

impl<V: Clone> Clone for Table<V> {
    fn clone(&self) -> Self {
        Table(self.0.clone())
    }
}

impl<V: Keyed + fmt::Debug> fmt::Debug for Table<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V: PartialEq> PartialEq for Table<V> {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice() == other.0.as_slice()
    }
}

impl<'a, V: Keyed> IntoIterator for &'a Table<V> {
    type Item = (&'a V::Key, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, V>, fn(&'a V) -> (&'a V::Key, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.as_slice().iter().map(|v| (v.key(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Row(u16, &'static str);
    impl Keyed for Row {
        type Key = u16;
        fn key(&self) -> &u16 {
            &self.0
        }
    }

    #[test]
    fn text_compares_and_prints_as_its_string() {
        let s = Text::Static("Busy Here");
        let o = Text::from("Busy Here".to_string());
        assert_eq!(s, o);
        assert_eq!(s, "Busy Here");
        assert!("Busy Here" == o);
        assert_eq!(format!("{s}|{o:?}"), "Busy Here|\"Busy Here\"");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"Busy Here\"");
        let back: Text = serde_json::from_str("\"x\\ny\"").unwrap();
        assert!(matches!(back, Text::Owned(_)));
        assert_eq!(back, "x\ny");
    }

    #[test]
    fn list_changes_copy_static_items_once() {
        static ITEMS: [u16; 3] = [480, 486, 600];
        let mut l = List::Static(&ITEMS[..]);
        assert_eq!(l.iter().sum::<u16>(), 1566);
        l.to_mut().push(603);
        assert_eq!(l, vec![480, 486, 600, 603]);
        assert_eq!(ITEMS, [480, 486, 600], "the static items are untouched");
        assert_eq!(serde_json::to_string(&l).unwrap(), "[480,486,600,603]");
    }

    #[test]
    fn map_is_sorted_and_serialises_as_an_object() {
        let m: Map = [("tshark", "b"), ("asterisk", "a")].into_iter().collect();
        assert_eq!(
            m.keys().map(Text::as_str).collect::<Vec<_>>(),
            ["asterisk", "tshark"]
        );
        assert_eq!(m.get("tshark").map(Text::as_str), Some("b"));
        assert_eq!(m.get("sngrep"), None);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"asterisk":"a","tshark":"b"}"#
        );
        let back: Map = serde_json::from_str(r#"{"z":"1","a":"2"}"#).unwrap();
        assert_eq!(
            back.keys().map(Text::as_str).collect::<Vec<_>>(),
            ["a", "z"]
        );
    }

    #[test]
    fn table_looks_up_inserts_and_replaces_by_key() {
        static ROWS: [Row; 3] = [Row(180, "a"), Row(486, "b"), Row(600, "c")];
        let mut t = Table::from_static(&ROWS);
        assert_eq!(t.get(&486), Some(&Row(486, "b")));
        assert_eq!(t.get(&487), None);
        assert_eq!(t.insert(Row(499, "new")), None);
        assert_eq!(t.insert(Row(486, "x")), Some(Row(486, "b")));
        assert_eq!(t.keys().copied().collect::<Vec<_>>(), [180, 486, 499, 600]);
        assert_eq!(t.get(&486).unwrap().1, "x");
        let from: Table<Row> = [Row(2, "late"), Row(1, "a"), Row(2, "later")]
            .into_iter()
            .collect();
        assert_eq!(
            from.values().cloned().collect::<Vec<_>>(),
            [Row(1, "a"), Row(2, "later")]
        );
    }
}
