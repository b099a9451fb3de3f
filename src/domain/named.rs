//! `named_enum!`: a fieldless enum with a name for each variant (how it is stored and shown).

/// Writes the enum, `ALL` (in declaration order, so `as u8` is the position) and `name`
/// from one list, so a variant cannot be left out of `ALL` or be without a name. The plain
/// form also writes `parse`, which takes exactly what `name` gives; `parsed by hand` leaves
/// `parse` to a type that accepts more (other letter cases, numbers, aliases).
macro_rules! named_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($body:tt)* }) => {
        named_enum!(@items $(#[$meta])* $name { $($body)* });

        impl $name {
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.name() == s)
            }
        }
    };
    ($(#[$meta:meta])* pub enum $name:ident, parsed by hand { $($body:tt)* }) => {
        named_enum!(@items $(#[$meta])* $name { $($body)* });
    };
    (@items $(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+
    }) => {
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$(Self::$variant),+];

            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }
    };
}
