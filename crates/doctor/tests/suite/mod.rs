mod client_config;
mod collect;
mod render;
mod schema;
mod world;
