//! Write any `Serialize` value as a Rust expression: how `build.rs` turns
//! the parsed knowledge base into static data. It follows serde's data
//! model, not our types, so a field added to a knowledge-base type is
//! carried into the binary with no change here.
//!
//! - struct `S { a, b }` becomes `S { a: .., b: .. }`, tuples `(.., ..)`,
//!   unit and newtype variants `E::V` and `E::V(..)`, a sequence `&[..]`, a
//!   map `&[(k, v), ..]`, `None` and `Some(..)` as such; strings are Rust
//!   string literals, numbers untyped literals (the field's type gives them
//!   their type);
//! - a newtype struct becomes `Name(..)` with the name it gives serde, with
//!   two exceptions that keep the static data free of pointers (pointers in
//!   static data are relocated, page by page, every time the program
//!   starts; see `data.rs`):
//!   - a string in a newtype named `Text::Embedded` is stored once in a
//!     shared string table and written as `Text::Embedded(start, len)`;
//!   - the items of a sequence or map in a newtype named `List::Embedded`
//!     or `Map::Embedded` are stored in one array per item type (a pool)
//!     and written as `List::Embedded(start, len)`.
//!
//! [`Source`] collects the string table and the pools; [`Source::finish`]
//! writes them with the `Pooled` implementations that find the pools.

use serde::ser::{self, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write};

/// The Rust expression of `value`, with a string table and pools of its own
/// (thrown away: for tests).
pub fn to_rust<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    Source::default().expr(value)
}

/// Rust expressions that share one string table and one pool per item type.
#[derive(Default)]
pub struct Source {
    strings: String,
    string_index: HashMap<String, (u32, u32)>,
    /// Item type -> the items' expressions.
    pools: BTreeMap<String, Vec<String>>,
    /// (item type, items) -> where they already are in the pool.
    list_index: HashMap<(String, Vec<String>), (u32, u32)>,
}

impl Source {
    /// The Rust expression of `value`.
    pub fn expr<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<String, Error> {
        let mut e = Emitter::new(self);
        value.serialize(&mut e)?;
        Ok(e.out)
    }

    /// The string table the expressions refer to.
    pub fn strings(&self) -> &str {
        &self.strings
    }

    /// Rust items for the string table (`STRINGS`), the pools and their
    /// `Pooled` implementations.
    pub fn finish(&self) -> String {
        let mut out = format!("pub(super) static STRINGS: &str = {:?};\n", self.strings);
        for (i, (ty, items)) in self.pools.iter().enumerate() {
            let _ = writeln!(
                out,
                "static POOL_{i}: [{ty}; {n}] = [{items}];\n\
                 impl Pooled for {ty} {{\n    fn pool() -> &'static [Self] {{\n        &POOL_{i}\n    }}\n}}",
                n = items.len(),
                items = items.join(", "),
            );
        }
        out
    }

    fn intern(&mut self, s: &str) -> Result<(u32, u32), Error> {
        if let Some(&r) = self.string_index.get(s) {
            return Ok(r);
        }
        let start = offset(self.strings.len())?;
        let len = offset(s.len())?;
        self.strings.push_str(s);
        self.string_index.insert(s.to_string(), (start, len));
        Ok((start, len))
    }

    fn pool(&mut self, ty: String, items: Vec<String>) -> Result<(u32, u32), Error> {
        let key = (ty, items);
        if let Some(&r) = self.list_index.get(&key) {
            return Ok(r);
        }
        let pool = self.pools.entry(key.0.clone()).or_default();
        let start = offset(pool.len())?;
        let len = offset(key.1.len())?;
        pool.extend(key.1.iter().cloned());
        self.list_index.insert(key, (start, len));
        Ok((start, len))
    }
}

fn offset(n: usize) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error("the knowledge base outgrows 32-bit offsets".into()))
}

/// A value the emitter cannot write.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// What the newtype being written asks of the value inside it.
#[derive(Clone, Copy, PartialEq)]
enum Wrap {
    None,
    /// `Text::Embedded`: the string goes to the table.
    Text,
    /// `List::Embedded` / `Map::Embedded`: the items go to a pool.
    Pool(&'static str),
}

struct Emitter<'s> {
    out: String,
    src: &'s mut Source,
    wrap: Wrap,
    /// The Rust type of the value written, as far as serde tells it (the
    /// first thing written names it): how pooled items find their pool.
    ty: Option<String>,
}

impl<'s> Emitter<'s> {
    fn new(src: &'s mut Source) -> Self {
        Emitter {
            out: String::new(),
            src,
            wrap: Wrap::None,
            ty: None,
        }
    }
    fn note(&mut self, ty: &str) {
        if self.ty.is_none() {
            self.ty = Some(ty.to_string());
        }
    }
    fn put(&mut self, s: &str) -> Result<(), Error> {
        self.out.push_str(s);
        Ok(())
    }
    fn num(&mut self, ty: &str, v: impl fmt::Display) -> Result<(), Error> {
        self.note(ty);
        write!(self.out, "{v}").map_err(|e| Error(e.to_string()))
    }
    /// Write one pooled item with an emitter of its own: its expression and
    /// its type.
    fn item<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(String, String), Error> {
        let mut e = Emitter::new(self.src);
        v.serialize(&mut e)?;
        let ty =
            e.ty.ok_or_else(|| Error("cannot tell the type of a pooled item".into()))?;
        Ok((e.out, ty))
    }
}

/// A sequence, map, tuple or struct being written.
struct Compound<'a, 's> {
    e: &'a mut Emitter<'s>,
    close: &'static str,
    first: bool,
    /// For a pooled sequence or map: the newtype's name and the items
    /// written so far, with their types.
    pool: Option<(&'static str, Vec<(String, String)>)>,
    /// A map entry's key while its value is written (pooled maps).
    key: Option<(String, String)>,
}

impl Compound<'_, '_> {
    fn sep(&mut self) {
        if !self.first {
            self.e.out.push_str(", ");
        }
        self.first = false;
    }
    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        if self.pool.is_some() {
            let item = self.e.item(v)?;
            if let Some((_, items)) = &mut self.pool {
                items.push(item);
            }
            return Ok(());
        }
        self.sep();
        v.serialize(&mut *self.e)
    }
    fn end(self) -> Result<(), Error> {
        let Some((name, items)) = self.pool else {
            return self.e.put(self.close);
        };
        let Some(ty) = items.first().map(|(_, t)| t.clone()) else {
            // Empty: any pool will do, the field's type picks one.
            return self.e.put(&format!("{name}(0, 0)"));
        };
        if let Some((_, other)) = items.iter().find(|(_, t)| *t != ty) {
            return Err(Error(format!("{name} holds both {ty} and {other}")));
        }
        let exprs = items.into_iter().map(|(x, _)| x).collect();
        let (start, len) = self.e.src.pool(ty, exprs)?;
        self.e.put(&format!("{name}({start}, {len})"))
    }
}

/// Start a compound value: write its opening text, or start collecting
/// pooled items.
fn open<'a, 's>(
    e: &'a mut Emitter<'s>,
    text: &str,
    close: &'static str,
) -> Result<Compound<'a, 's>, Error> {
    let pool = match std::mem::replace(&mut e.wrap, Wrap::None) {
        Wrap::Pool(name) => Some((name, Vec::new())),
        Wrap::Text => return Err(Error("Text::Embedded must hold a string".into())),
        Wrap::None => {
            e.out.push_str(text);
            None
        }
    };
    Ok(Compound {
        e,
        close,
        first: true,
        pool,
        key: None,
    })
}

/// Booleans and integers: written as they print, typed by their field.
macro_rules! numbers {
    ($($method:ident : $ty:ident),*) => {$(
        fn $method(self, v: $ty) -> Result<(), Error> {
            self.num(stringify!($ty), v)
        }
    )*};
}

impl<'a, 's> ser::Serializer for &'a mut Emitter<'s> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 's>;
    type SerializeTuple = Compound<'a, 's>;
    type SerializeTupleStruct = Compound<'a, 's>;
    type SerializeTupleVariant = Compound<'a, 's>;
    type SerializeMap = Compound<'a, 's>;
    type SerializeStruct = Compound<'a, 's>;
    type SerializeStructVariant = Compound<'a, 's>;

    numbers! {
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.note("f32");
        self.f64_literal(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.note("f64");
        self.f64_literal(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.num("char", format_args!("{v:?}"))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        if std::mem::replace(&mut self.wrap, Wrap::None) == Wrap::Text {
            let (start, len) = self.src.intern(v)?;
            return self.num("Text", format_args!("{start}, {len}"));
        }
        // Debug quotes and escapes a str the way a Rust literal wants it.
        self.num("&str", format_args!("{v:?}"))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.num("&[u8]", format_args!("&{v:?}"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        // Serde does not tell the inner type of an option: an option as a
        // pooled item gets a type name that fails to compile, not a guess.
        self.note("Option<_>");
        self.put("Some(")?;
        v.serialize(&mut *self)?;
        self.put(")")
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.note("Option<_>");
        self.put("None")
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.num("()", "()")
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<(), Error> {
        self.num(name, name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.num(name, format_args!("{name}::{variant}"))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        let ty = name.split("::").next().unwrap_or(name);
        self.note(ty);
        match name {
            "Text::Embedded" => {
                self.put(name)?;
                self.put("(")?;
                self.wrap = Wrap::Text;
                v.serialize(&mut *self)?;
                if std::mem::replace(&mut self.wrap, Wrap::None) != Wrap::None {
                    return Err(Error(format!("{name} must hold a string")));
                }
                self.put(")")
            }
            "List::Embedded" | "Map::Embedded" => {
                self.wrap = Wrap::Pool(name);
                v.serialize(&mut *self)?;
                if std::mem::replace(&mut self.wrap, Wrap::None) != Wrap::None {
                    return Err(Error(format!("{name} must hold a sequence or map")));
                }
                Ok(())
            }
            _ => {
                self.put(name)?;
                self.put("(")?;
                v.serialize(&mut *self)?;
                self.put(")")
            }
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.note(name);
        self.put(&format!("{name}::{variant}("))?;
        v.serialize(&mut *self)?;
        self.put(")")
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 's>, Error> {
        self.note("&[_]");
        open(self, "&[", "]")
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a, 's>, Error> {
        self.note("(_)");
        open(self, "(", ")")
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 's>, Error> {
        self.note(name);
        self.out.push_str(name);
        open(self, "(", ")")
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 's>, Error> {
        self.note(name);
        write!(self.out, "{name}::{variant}").map_err(|e| Error(e.to_string()))?;
        open(self, "(", ")")
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 's>, Error> {
        self.note("&[_]");
        open(self, "&[", "]")
    }
    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Compound<'a, 's>, Error> {
        self.note(name);
        self.out.push_str(name);
        open(self, " { ", " }")
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 's>, Error> {
        self.note(name);
        write!(self.out, "{name}::{variant}").map_err(|e| Error(e.to_string()))?;
        open(self, " { ", " }")
    }
}

impl Emitter<'_> {
    fn f64_literal(&mut self, v: f64) -> Result<(), Error> {
        if !v.is_finite() {
            return Err(Error(format!("{v} has no Rust literal")));
        }
        // Debug always writes a decimal point or exponent, so it stays a float.
        write!(self.out, "{v:?}").map_err(|e| Error(e.to_string()))
    }
}

/// Sequences and tuples: every item is an element.
macro_rules! elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
                self.element(v)
            }
            fn end(self) -> Result<(), Error> {
                Compound::end(self)
            }
        }
    )*};
}
elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        if self.pool.is_some() {
            self.key = Some(self.e.item(k)?);
            return Ok(());
        }
        self.sep();
        self.e.out.push('(');
        k.serialize(&mut *self.e)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        if self.pool.is_some() {
            let (k, kt) = self
                .key
                .take()
                .ok_or_else(|| Error("a map value without its key".into()))?;
            let (v, vt) = self.e.item(v)?;
            if let Some((_, items)) = &mut self.pool {
                items.push((format!("({k}, {v})"), format!("({kt}, {vt})")));
            }
            return Ok(());
        }
        self.e.out.push_str(", ");
        v.serialize(&mut *self.e)?;
        self.e.put(")")
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl Compound<'_, '_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), Error> {
        self.sep();
        self.e.out.push_str(key);
        self.e.out.push_str(": ");
        v.serialize(&mut *self.e)
    }
}

/// Structs and struct variants: named fields, none skipped.
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), Error> {
                self.field(key, v)
            }
            fn skip_field(&mut self, key: &'static str) -> Result<(), Error> {
                // A skipped field would leave the struct expression incomplete.
                Err(Error(format!("field {key} is skipped when serialising")))
            }
            fn end(self) -> Result<(), Error> {
                Compound::end(self)
            }
        }
    )*};
}
fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::{Source, to_rust};
    use crate::kb::{List, Map, Step, Text};
    use serde::Serialize;

    fn step() -> Step {
        Step {
            title: Text::from("Check \"Allow\"".to_string()),
            detail: Text::Static("line 1\nline 2 \u{202e} é"),
            headers: List::Owned(vec![Text::Static("Allow")]),
            commands: [("tshark", "-Y sip")].into_iter().collect::<Map>(),
            unverified: None,
            methods: List::Owned(vec![]),
            body: List::Owned(vec![]),
        }
    }

    #[test]
    fn writes_a_step_with_its_strings_and_items_out_of_line() {
        let mut src = Source::default();
        assert_eq!(
            src.expr(&step()).unwrap(),
            "Step { title: Text::Embedded(0, 13), detail: Text::Embedded(13, 20), \
             headers: List::Embedded(0, 1), commands: Map::Embedded(0, 1), unverified: None, \
             methods: List::Embedded(0, 0), body: List::Embedded(0, 0) }"
        );
        assert_eq!(
            src.strings(),
            "Check \"Allow\"line 1\nline 2 \u{202e} éAllowtshark-Y sip"
        );
        assert_eq!(&src.strings()[13..33], "line 1\nline 2 \u{202e} é");
        // A list seen again is stored once; a new one follows in its pool.
        let steps = List::Owned(vec![step(), step()]);
        assert_eq!(src.expr(&steps).unwrap(), "List::Embedded(0, 2)");
        let more = List::Owned(vec![Text::Static("tshark"), Text::Static("Allow")]);
        assert_eq!(src.expr(&more).unwrap(), "List::Embedded(1, 2)");
        assert_eq!(
            src.expr(&List::<u16>::Owned(vec![])).unwrap(),
            "List::Embedded(0, 0)"
        );
        let items = src.finish();
        assert!(items.starts_with("pub(super) static STRINGS: &str = \"Check \\\"Allow\\\""));
        assert!(
            items.contains(
                "static POOL_0: [(Text, Text); 1] = [(Text::Embedded(38, 6), Text::Embedded(44, 6))];"
            ),
            "{items}"
        );
        assert!(items.contains("impl Pooled for (Text, Text) {"), "{items}");
        assert!(items.contains(
            "static POOL_2: [Text; 3] = [Text::Embedded(33, 5), Text::Embedded(38, 6), Text::Embedded(33, 5)];"
        ), "{items}");
        assert!(
            items.contains("static POOL_1: [Step; 2] = [Step {"),
            "{items}"
        );
    }

    #[test]
    fn numbers_options_tuples_and_variants() {
        #[derive(Serialize)]
        enum E {
            Unit,
            New(u8),
            Tup(u8, i64),
            Rec { x: f64 },
        }
        let v = (
            Some(31u8),
            None::<u16>,
            vec![E::Unit, E::New(7), E::Tup(1, -2), E::Rec { x: 1.0 }],
        );
        assert_eq!(
            to_rust(&v).unwrap(),
            "(Some(31), None, &[E::Unit, E::New(7), E::Tup(1, -2), E::Rec { x: 1.0 }])"
        );
        assert!(to_rust(&f64::NAN).is_err());
    }

    #[test]
    fn refuses_what_it_cannot_write_faithfully() {
        #[derive(Serialize)]
        struct S {
            #[serde(skip_serializing_if = "Option::is_none")]
            a: Option<u8>,
        }
        assert!(to_rust(&S { a: None }).is_err());
        assert_eq!(to_rust(&S { a: Some(1) }).unwrap(), "S { a: Some(1) }");
        // Items of two types in one pooled list have no one pool.
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Mixed {
            N(u16),
            T(Text),
        }
        impl crate::kb::data::Pooled for Mixed {
            fn pool() -> &'static [Self] {
                &[]
            }
        }
        let bad = List::Owned(vec![Mixed::N(1), Mixed::T(Text::Static("x"))]);
        assert!(to_rust(&bad).is_err());
    }
}
