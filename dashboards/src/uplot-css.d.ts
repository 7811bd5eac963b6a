// Vite's `?inline` import: the stylesheet as a string, adopted into a shadow root.
declare module 'uplot/dist/uPlot.min.css?inline' {
  const css: string;
  export default css;
}
