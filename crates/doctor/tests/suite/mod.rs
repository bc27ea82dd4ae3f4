mod client_config;
mod collect;
mod logins;
mod render;
mod schema;
mod world;
