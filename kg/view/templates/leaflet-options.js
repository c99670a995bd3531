/* Read by Leaflet as it loads: position markers with left/top, not 3D transforms. With 3D
   transforms each of thousands of markers becomes a compositing layer, and leaving the map tab
   (tearing them down) took seconds at 5,000 markers. */
window.L_DISABLE_3D = true;
