//! `messages!`: the typed catalogue's one shape. `build.rs` writes every key of
//! `catalogue/*.toml` as an entry of one invocation; each entry becomes a method on `Tr`,
//! so a template or handler calling a message that does not exist fails to compile.
//!
//! ```text
//! [sign_in]                      # t.sign_in() → &'static str
//! en = "Sign in"
//! sv = "Logga in"
//!
//! [sign_in_with]                 # t.sign_in_with(label) → String
//! args = "label: &str"           # `{label}` in a form names the argument
//! en = "Sign in with {label}"
//! sv = "Logga in med {label}"
//!
//! [expires_in_days]              # a count (the first argument): one form for 1,
//! args = "n: i64"                # another for every other number
//! en = ["expires in {n} day", "expires in {n} days"]
//! sv = ["löper ut om {n} dag", "löper ut om {n} dagar"]
//! ```
//! The list name (`CATALOGUE`) is a test-only list of every entry's forms, for the
//! catalogue tests.

macro_rules! messages {
    (
        $list:ident;
        $(
            $(#[$meta:meta])*
            $name:ident $( ( $($arg:ident : $ty:ty),* $(,)? ) )? {
                en: $($en:literal)|+ ,
                sv: $($sv:literal)|+ $(,)?
            }
        )*
    ) => {
        impl $crate::http::web::i18n::Tr {
            $(
                messages!(@fn [$(#[$meta])*] $name [$( $($arg: $ty),* )?] [$($en)+] [$($sv)+]);
            )*
        }

        /// Every entry: (name, English forms, Swedish forms).
        #[cfg(test)]
        pub(super) const $list: &[(&str, &[&str], &[&str])] = &[
            $( (stringify!($name), &[$($en),+], &[$($sv),+]) ),*
        ];
    };

    (@fn [$(#[$meta:meta])*] $name:ident [] [$en:literal] [$sv:literal]) => {
        $(#[$meta])*
        pub fn $name(&self) -> &'static str {
            match self.0 {
                $crate::http::web::i18n::Lang::En => $en,
                $crate::http::web::i18n::Lang::Sv => $sv,
            }
        }
    };

    (@fn [$(#[$meta:meta])*] $name:ident [$($arg:ident : $ty:ty),+] [$en:literal] [$sv:literal]) => {
        $(#[$meta])*
        pub fn $name(&self, $($arg: $ty),+) -> String {
            match self.0 {
                $crate::http::web::i18n::Lang::En => format!($en),
                $crate::http::web::i18n::Lang::Sv => format!($sv),
            }
        }
    };

    // Swedish and English agree on whole numbers: singular for exactly one.
    (@fn [$(#[$meta:meta])*] $name:ident [$n:ident : $nty:ty $(, $arg:ident : $ty:ty)*]
        [$en_one:literal $en_other:literal] [$sv_one:literal $sv_other:literal]) => {
        $(#[$meta])*
        // The count by value or by reference: askama passes a template's variables borrowed.
        pub fn $name(&self, $n: impl ::std::borrow::Borrow<$nty> $(, $arg: $ty)*) -> String {
            let $n: $nty = *$n.borrow();
            match (self.0, $n == 1) {
                ($crate::http::web::i18n::Lang::En, true) => format!($en_one),
                ($crate::http::web::i18n::Lang::En, false) => format!($en_other),
                ($crate::http::web::i18n::Lang::Sv, true) => format!($sv_one),
                ($crate::http::web::i18n::Lang::Sv, false) => format!($sv_other),
            }
        }
    };
}
