import { type Kysely, sql } from 'kysely';

/**
 * The catalog's vocabulary: every distinct word of every product name (a few thousand in a real
 * store, whatever the number of products), kept by statement-level triggers from the rows each
 * statement wrote. Typo-tolerant search corrects a query's words against it, a small trigram scan,
 * instead of ranking a million names by similarity. Words of renamed products may linger: a
 * correction to a word no name holds any more finds nothing, which is harmless.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE catalog_words (word text COLLATE "C" PRIMARY KEY);
    CREATE INDEX catalog_words_trgm ON catalog_words USING gin (word gin_trgm_ops);
    CREATE FUNCTION catalog_words_from_names() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO catalog_words (word)
        SELECT DISTINCT w FROM changed_rows, regexp_split_to_table(lower(changed_rows.name), '[^[:alnum:]]+') AS w
        WHERE length(w) >= 2 AND w ~ '[[:alpha:]]'
        ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$;
    CREATE TRIGGER products_words_insert AFTER INSERT ON products REFERENCING NEW TABLE AS changed_rows
      FOR EACH STATEMENT EXECUTE FUNCTION catalog_words_from_names();
    CREATE TRIGGER products_words_update AFTER UPDATE ON products REFERENCING NEW TABLE AS changed_rows
      FOR EACH STATEMENT EXECUTE FUNCTION catalog_words_from_names();
    INSERT INTO catalog_words (word)
    SELECT DISTINCT w FROM products, regexp_split_to_table(lower(products.name), '[^[:alnum:]]+') AS w
    WHERE length(w) >= 2 AND w ~ '[[:alpha:]]'
    ON CONFLICT DO NOTHING;
  `.execute(db);
}
