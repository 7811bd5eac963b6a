/**
 * Product file layouts: which column holds which field. Keel's own (generic) layout, with a
 * column-mapping step for any other spreadsheet, and the product CSVs Shopify and Square export.
 */
export const PRODUCT_FIELDS = [
  'sku',
  'name',
  'price',
  'cost',
  'taxClass',
  'barcodes',
  'description',
  'category',
  'brand',
  'unit',
  'active',
  'parentSku',
  'variant',
] as const;
export type ProductField = (typeof PRODUCT_FIELDS)[number];
export type LayoutName = 'generic' | 'shopify' | 'square';
export type ColumnMapping = Partial<Record<ProductField, string>>;

/** One product as read from a file, still text: checked and converted by the importer. */
export interface RawProduct {
  readonly sku: string;
  readonly name: string;
  readonly price: string;
  readonly cost: string;
  readonly taxClass: string;
  readonly barcodes: string;
  readonly description: string;
  readonly category: string;
  readonly brand: string;
  readonly unit: string;
  readonly active: string;
  readonly parentSku: string;
  readonly variant: string;
}

const REQUIRED: readonly ProductField[] = ['sku', 'name', 'price'];

/** Header aliases for the generic layout, compared after lower-casing and dropping spaces, _ and -. */
const ALIASES: Readonly<Record<ProductField, readonly string[]>> = {
  sku: ['sku', 'itemcode', 'productcode', 'article'],
  name: ['name', 'productname', 'title', 'description1'],
  price: ['price', 'retailprice', 'saleprice', 'unitprice'],
  cost: ['cost', 'costprice', 'unitcost', 'purchaseprice'],
  taxClass: ['taxclass', 'tax', 'vat', 'taxcode'],
  barcodes: ['barcodes', 'barcode', 'ean', 'gtin', 'upc', 'ean13'],
  description: ['description', 'longdescription', 'details'],
  category: ['category', 'categorypath', 'department'],
  brand: ['brand', 'vendor', 'manufacturer'],
  unit: ['unit', 'uom', 'soldby'],
  active: ['active', 'enabled', 'status'],
  parentSku: ['parentsku', 'parent'],
  variant: ['variant', 'variantname', 'options'],
};

const norm = (h: string) => h.toLowerCase().replace(/[\s_-]+/g, '');

export interface ResolvedLayout {
  readonly layout: LayoutName;
  /** Field -> header name, as found (for the mapping step's display). */
  readonly mapping: ColumnMapping;
  readonly missing: readonly ProductField[];
  /** Turn one record into a product, or undefined for a row that holds no product (Shopify image rows). */
  read(record: readonly string[]): RawProduct | undefined;
}

export function detectLayout(headers: readonly string[]): LayoutName {
  const set = new Set(headers.map(norm));
  if (set.has('handle') && set.has('variantsku')) return 'shopify';
  if (set.has('itemname') && set.has('variationname')) return 'square';
  return 'generic';
}

/** Resolve a layout for these headers; an explicit mapping wins over the aliases. */
export function resolveLayout(headers: readonly string[], layout: LayoutName | 'auto' = 'auto', mapping: ColumnMapping = {}): ResolvedLayout {
  const name = layout === 'auto' ? detectLayout(headers) : layout;
  if (name === 'shopify') return shopifyLayout(headers);
  if (name === 'square') return squareLayout(headers);
  return genericLayout(headers, mapping);
}

function indexer(headers: readonly string[]) {
  const byNorm = new Map<string, number>();
  headers.forEach((h, i) => {
    if (!byNorm.has(norm(h))) byNorm.set(norm(h), i);
  });
  return (header: string) => byNorm.get(norm(header));
}

function genericLayout(headers: readonly string[], explicit: ColumnMapping): ResolvedLayout {
  const find = indexer(headers);
  const index = new Map<ProductField, number>();
  const mapping: ColumnMapping = {};
  for (const field of PRODUCT_FIELDS) {
    const wanted = explicit[field];
    const i = wanted !== undefined ? find(wanted) : ALIASES[field].map(find).find((x) => x !== undefined);
    if (i !== undefined) {
      index.set(field, i);
      mapping[field] = headers[i];
    }
  }
  const missing = REQUIRED.filter((f) => !index.has(f));
  const get = (r: readonly string[], f: ProductField) => {
    const i = index.get(f);
    return i === undefined ? '' : (r[i] ?? '').trim();
  };
  return {
    layout: 'generic',
    mapping,
    missing,
    read: (r) => ({
      sku: get(r, 'sku'),
      name: get(r, 'name'),
      price: get(r, 'price'),
      cost: get(r, 'cost'),
      taxClass: get(r, 'taxClass'),
      barcodes: get(r, 'barcodes'),
      description: get(r, 'description'),
      category: get(r, 'category'),
      brand: get(r, 'brand'),
      unit: get(r, 'unit'),
      active: get(r, 'active'),
      parentSku: get(r, 'parentSku'),
      variant: get(r, 'variant'),
    }),
  };
}

function columns(headers: readonly string[], names: readonly string[]) {
  const find = indexer(headers);
  const missing = names.filter((n) => find(n) === undefined);
  return { find, missing };
}

/** Shopify's products export: one row per variant; later variants of a product leave Title empty. */
function shopifyLayout(headers: readonly string[]): ResolvedLayout {
  const { find, missing } = columns(headers, ['Handle', 'Title', 'Variant SKU', 'Variant Price']);
  const col = (r: readonly string[], h: string) => {
    const i = find(h);
    return i === undefined ? '' : (r[i] ?? '').trim();
  };
  let current = { handle: '', title: '', vendor: '', type: '', body: '', status: '' };
  return {
    layout: 'shopify',
    mapping: {
      sku: 'Variant SKU',
      name: 'Title',
      price: 'Variant Price',
      cost: 'Cost per item',
      barcodes: 'Variant Barcode',
      brand: 'Vendor',
      category: 'Type',
    },
    missing: missing.map((m) => (m === 'Variant SKU' ? 'sku' : m === 'Variant Price' ? 'price' : m === 'Title' ? 'name' : 'sku')),
    read: (r) => {
      const handle = col(r, 'Handle');
      if (handle !== current.handle || col(r, 'Title')) {
        current = { handle, title: col(r, 'Title'), vendor: col(r, 'Vendor'), type: col(r, 'Type'), body: col(r, 'Body (HTML)'), status: col(r, 'Status') };
      }
      const sku = col(r, 'Variant SKU');
      if (!sku && !col(r, 'Variant Price')) return undefined; // an extra image row
      const options = ['Option1 Value', 'Option2 Value', 'Option3 Value'].map((h) => col(r, h)).filter((v) => v && v !== 'Default Title');
      const variant = options.join(' / ');
      const taxable = col(r, 'Variant Taxable').toLowerCase();
      return {
        sku,
        name: variant ? `${current.title} - ${variant}` : current.title,
        price: col(r, 'Variant Price'),
        cost: col(r, 'Cost per item'),
        taxClass: taxable === 'false' ? 'zero' : '',
        barcodes: col(r, 'Variant Barcode').replace(/^'/, ''),
        description: current.body
          .replace(/<[^>]*>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
        category: current.type,
        brand: current.vendor,
        unit: '',
        active: current.status || 'active',
        parentSku: '',
        variant,
      };
    },
  };
}

/** Square's item library export: one row per variation. */
function squareLayout(headers: readonly string[]): ResolvedLayout {
  const { find, missing } = columns(headers, ['Item Name', 'SKU', 'Price']);
  const col = (r: readonly string[], h: string) => {
    const i = find(h);
    return i === undefined ? '' : (r[i] ?? '').trim();
  };
  return {
    layout: 'square',
    mapping: { sku: 'SKU', name: 'Item Name', price: 'Price', cost: 'Default Unit Cost', barcodes: 'GTIN', category: 'Category', description: 'Description' },
    missing: missing.map((m) => (m === 'SKU' ? 'sku' : m === 'Price' ? 'price' : 'name')),
    read: (r) => {
      const variation = col(r, 'Variation Name');
      const variant = variation && variation.toLowerCase() !== 'regular' ? variation : '';
      const item = col(r, 'Item Name');
      return {
        sku: col(r, 'SKU'),
        name: variant ? `${item} - ${variant}` : item,
        price: col(r, 'Price'),
        cost: col(r, 'Default Unit Cost'),
        taxClass: '',
        barcodes: col(r, 'GTIN'),
        description: col(r, 'Description'),
        category: col(r, 'Category') || col(r, 'Reporting Category'),
        brand: '',
        unit: '',
        active: col(r, 'Archived').toLowerCase() === 'y' ? 'false' : 'true',
        parentSku: '',
        variant,
      };
    },
  };
}
